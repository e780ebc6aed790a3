//! The registry of connectors: every system the app can talk to, each describing itself
//! (name, address, sign-in methods with named secrets, settings with conditions and defaults,
//! its demo on the built-in stand-in) and saying how it is built from a connection's settings
//! and secrets. The shell and the UI render connection settings from these descriptions and
//! name no system; adding a system adds one line to [`connectors`].

use crate::secret::Secret;
use crate::{afas, bloxs, bouwsoft, mollie, silvasoft};
use invoice_desk_core::backend::{Backend, Capabilities, SystemId};
use invoice_desk_core::connector::{
    self, ConnectionInput, ConnectionView, ConnectorDescription, CredentialInput, SettingSpec,
    SignInMethod, UrlSpec,
};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::store::{ConnectionRecord, Store};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

/// Every connector, one line per system.
pub fn connectors() -> &'static [Connector] {
    static ALL: OnceLock<Vec<Connector>> = OnceLock::new();
    ALL.get_or_init(|| {
        vec![
            afas::connector::connector(),
            silvasoft::connector::connector(),
            bloxs::connector::connector(),
            mollie::connector::connector(),
            bouwsoft::connector::connector(),
        ]
    })
}

/// Systems expected next, not in the registry yet. With the registry's own ids they are the
/// names no file of the shell or the UI may contain (the shell's check of that reads them here).
pub const PLANNED: &[&str] = &[];

/// Every system name the shell and the UI must not contain: the registry's ids and the planned
/// ones, in lower case.
pub fn system_names() -> Vec<String> {
    let mut names: Vec<String> = connectors()
        .iter()
        .map(|c| c.id.to_ascii_lowercase())
        .chain(PLANNED.iter().map(|p| p.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The connector of a system id (a connection's `kind`).
pub fn find(id: &str) -> Option<&'static Connector> {
    connectors().iter().find(|c| c.id == id)
}

/// The connector of a system id, or the clerk's message that this version does not know it.
pub fn get(id: &str) -> Result<&'static Connector> {
    find(id).ok_or_else(|| {
        Error::new(
            ErrorCode::Config,
            format!("Dit soort koppeling ({id}) kent deze versie van Invoice Desk niet."),
            format!("This version of Invoice Desk does not know this kind of connection ({id})."),
        )
    })
}

/// Settings or plain credentials by key, as text.
pub type Values = BTreeMap<String, String>;

/// Called with a secret the system handed out anew (AFAS SB's next refresh token): its key and
/// value, to be kept where the old one was.
pub type RotatedSecret = Arc<dyn Fn(&str, &Secret) + Send + Sync>;

/// Where a connector's build reads a connection's secrets: the OS keyring in the shell, the
/// fixed token of the demo, a map in tests.
pub trait SecretSource: Send + Sync {
    fn secret(&self, key: &str) -> Result<Option<Secret>>;
}

/// The demo's secret source: every secret is the demo's token (sample data only).
pub struct DemoToken(pub &'static str);

impl SecretSource for DemoToken {
    fn secret(&self, _key: &str) -> Result<Option<Secret>> {
        Ok(Some(Secret::new(self.0)))
    }
}

/// Secrets from a map (tests, tools).
impl SecretSource for BTreeMap<String, Secret> {
    fn secret(&self, key: &str) -> Result<Option<Secret>> {
        Ok(self.get(key).cloned())
    }
}

/// Everything a connector is built from.
pub struct BuildContext<'a> {
    pub record: &'a ConnectionRecord,
    pub settings: Values,
    /// The plain (non-secret) credentials, e.g. an OAuth client id.
    pub credentials: Values,
    pub secrets: &'a dyn SecretSource,
    /// The app's store, when there is one (a connector may read what it sent before).
    pub store: Option<&'a Store>,
    /// Where a rotated secret goes; `None` keeps it in memory only (the demo, tests).
    pub on_rotated: Option<RotatedSecret>,
}

impl BuildContext<'_> {
    /// A setting, trimmed; `None` when empty.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn credential(&self, key: &str) -> Option<&str> {
        self.credentials
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A stored secret; missing is the clerk's "enter the credentials in Settings".
    pub fn secret(&self, key: &str) -> Result<Secret> {
        self.secrets.secret(key)?.ok_or_else(missing_secret)
    }
}

pub fn missing_secret() -> Error {
    Error::new(
        ErrorCode::Config,
        "Voor deze koppeling zijn nog geen inloggegevens opgeslagen. Vul ze in bij Instellingen.",
        "No credentials are stored for this connection yet. Enter them in Settings.",
    )
}

/// A connection of the demo, on the built-in stand-in.
pub struct DemoConnection {
    pub id: &'static str,
    pub name: &'static str,
    pub auth: &'static str,
    pub settings: &'static [(&'static str, &'static str)],
}

/// A connector's demo: which path of the stand-in it uses (`{stand-in}{path}`), the token the
/// stand-in accepts (not a secret: sample data only), and its connections.
pub struct Demo {
    pub path: &'static str,
    pub token: &'static str,
    /// Secrets of the demo by keyring name, for a sign-in with more than one (an API key and
    /// its secret); every secret not named here is `token`.
    pub secrets: &'static [(&'static str, &'static str)],
    pub connections: Vec<DemoConnection>,
}

impl Demo {
    /// Where a demo connection's build reads its secrets.
    pub fn secrets(&self) -> DemoSecrets {
        DemoSecrets {
            token: self.token,
            named: self.secrets,
        }
    }
}

/// The demo's secret source: the secrets its [`Demo`] names, every other one its token
/// (sample data only).
pub struct DemoSecrets {
    pub token: &'static str,
    pub named: &'static [(&'static str, &'static str)],
}

impl SecretSource for DemoSecrets {
    fn secret(&self, key: &str) -> Result<Option<Secret>> {
        let value = self
            .named
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .unwrap_or(self.token);
        Ok(Some(Secret::new(value)))
    }
}

/// What the shell hands a connector to start an OAuth sign-in.
pub struct OAuthStart<'a> {
    pub base_url: &'a str,
    pub credentials: &'a Values,
    pub redirect_uri: &'a str,
    pub challenge: &'a str,
    pub state: &'a str,
}

/// What the shell hands a connector to exchange the code from the browser.
pub struct OAuthExchange<'a> {
    pub base_url: &'a str,
    pub credentials: &'a Values,
    pub secrets: &'a dyn SecretSource,
    pub redirect_uri: &'a str,
    pub code: &'a str,
    pub verifier: &'a str,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connector's OAuth sign-in. The shell runs the browser, the loopback redirect and the
/// keyring; the connector says where consent is asked and exchanges the code.
pub struct OAuthFlow {
    /// The consent page to open in the browser.
    pub authorize_url: fn(&OAuthStart<'_>) -> Result<String>,
    /// The code for the secret to keep (a refresh token).
    pub exchange: for<'a> fn(&'a OAuthExchange<'a>) -> BoxFuture<'a, Result<Secret>>,
    /// The keyring name of the secret the sign-in yields.
    pub token_key: &'static str,
    /// The plain credential holding the loopback port ("" or absent: any free port).
    pub port_key: &'static str,
}

/// Named capabilities to publish for the UI's fake and fixtures (`capabilities.json`).
pub struct Example {
    pub key: &'static str,
    pub settings: &'static [(&'static str, &'static str)],
}

/// One system the app can talk to.
pub struct Connector {
    /// Also the `kind` of its connections.
    pub id: &'static str,
    /// The same in every language.
    pub name: &'static str,
    /// Whether a clerk can create a connection of it in this version.
    pub available: bool,
    pub url: UrlSpec,
    /// The first is the default for a new connection.
    pub sign_in: Vec<SignInMethod>,
    pub settings: Vec<SettingSpec>,
    /// A check of the settings beyond what their specs say (run after the generic checks).
    pub check: Option<fn(&Values) -> Result<()>>,
    pub build: fn(&BuildContext<'_>) -> Result<Arc<dyn Backend>>,
    /// The OAuth sign-in, for a connector with an `oauth` sign-in method.
    pub oauth: Option<OAuthFlow>,
    pub demo: Demo,
    pub examples: Vec<Example>,
}

fn pairs(p: &[(&str, &str)]) -> Values {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Connector {
    pub fn system(&self) -> SystemId {
        SystemId::new(self.id)
    }

    pub fn sign_in(&self, auth: &str) -> Option<&SignInMethod> {
        self.sign_in.iter().find(|m| m.id == auth)
    }

    /// Every keyring name this connector may have stored for a connection.
    pub fn secret_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .sign_in
            .iter()
            .flat_map(|m| m.fields.iter())
            .filter(|f| f.secret)
            .map(|f| f.key.as_str())
            .collect();
        if let Some(o) = &self.oauth {
            keys.push(o.token_key);
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The plain credential values of a connection (stored ones of connections saved before
    /// credentials were named are read too).
    pub fn plain_credentials(&self, rec: &ConnectionRecord) -> Values {
        let mut out = Values::new();
        for f in self.sign_in.iter().flat_map(|m| m.fields.iter()) {
            if f.secret {
                continue;
            }
            if let Some(v) = connector::stored_credential(rec, &f.key) {
                out.insert(f.key.clone(), v);
            }
        }
        out
    }

    /// Builds the client of a connection.
    pub fn build(
        &self,
        rec: &ConnectionRecord,
        secrets: &dyn SecretSource,
        store: Option<&Store>,
        on_rotated: Option<RotatedSecret>,
    ) -> Result<Arc<dyn Backend>> {
        let ctx = BuildContext {
            record: rec,
            settings: connector::stored_settings(rec),
            credentials: self.plain_credentials(rec),
            secrets,
            store,
            on_rotated,
        };
        (self.build)(&ctx)
    }

    /// A client on the demo's token with these settings, for what does not depend on the
    /// account: its facets and capabilities.
    pub fn sample(&self, settings: &[(&str, &str)]) -> Result<Arc<dyn Backend>> {
        let rec = ConnectionRecord {
            id: format!("sample-{}", self.id),
            kind: self.system(),
            name: self.name.into(),
            base_url: format!("http://127.0.0.1:9{}", self.demo.path),
            auth: self
                .demo
                .connections
                .first()
                .map(|d| d.auth)
                .unwrap_or_default()
                .into(),
            demo: true,
            administration_id: None,
            config: serde_json::json!({ "settings": pairs(settings) }),
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        self.build(&rec, &self.demo.secrets(), None, None)
    }

    /// The capabilities of each example, by its key.
    pub fn example_capabilities(&self) -> Result<Vec<(&'static str, Capabilities)>> {
        self.examples
            .iter()
            .map(|e| Ok((e.key, self.sample(e.settings)?.capabilities())))
            .collect()
    }

    /// What the settings screen shows of this connector.
    pub fn describe(&self) -> ConnectorDescription {
        let settings = self
            .demo
            .connections
            .first()
            .map(|d| d.settings)
            .unwrap_or_default();
        let (writes, reads) = match self.sample(settings) {
            Ok(b) => (b.writer().is_some(), b.reader().is_some()),
            Err(e) => {
                tracing::warn!(connector = self.id, code = ?e.code, "a sample client could not be built");
                (false, false)
            }
        };
        ConnectorDescription {
            id: self.id.into(),
            name: self.name.into(),
            available: self.available,
            writes,
            reads,
            url: self.url.clone(),
            sign_in: self.sign_in.clone(),
            settings: self.settings.clone(),
        }
    }

    /// Checks the settings of a connection that signs in with `auth`: the generic checks of
    /// their specs, then this connector's own. Returns what is stored.
    pub fn check_settings(&self, auth: &str, values: &Values) -> Result<Values> {
        let kept = connector::check_settings(&self.settings, auth, values)?;
        if let Some(check) = self.check {
            check(&kept)?;
        }
        Ok(kept)
    }

    /// Whether a connection has what it needs to sign in: every required secret of its
    /// sign-in method stored, and for OAuth the sign-in done.
    pub fn has_secret(&self, rec: &ConnectionRecord, secrets: &dyn SecretSource) -> bool {
        if rec.demo {
            return true;
        }
        let stored = |key: &str| matches!(secrets.secret(key), Ok(Some(_)));
        let Some(method) = self.sign_in(&rec.auth) else {
            return false;
        };
        if method.oauth.is_some() {
            return self.oauth.as_ref().is_some_and(|o| stored(o.token_key));
        }
        method
            .fields
            .iter()
            .filter(|f| f.secret && f.required)
            .all(|f| stored(&f.key))
    }

    /// A connection as the settings screen shows it.
    pub fn view(
        &self,
        rec: &ConnectionRecord,
        secrets: &dyn SecretSource,
        capabilities: Option<Capabilities>,
    ) -> ConnectionView {
        ConnectionView {
            id: rec.id.clone(),
            kind: rec.kind.as_str().to_string(),
            name: rec.name.clone(),
            base_url: rec.base_url.clone(),
            auth: rec.auth.clone(),
            demo: rec.demo,
            administration_id: rec.administration_id.clone(),
            has_secret: self.has_secret(rec, secrets),
            credentials: self.plain_credentials(rec),
            settings: connector::stored_settings(rec),
            capabilities,
        }
    }
}

/// Every connector's description, for the settings screen (described once per process: a
/// description does not change while the app runs).
pub fn descriptions() -> Vec<ConnectorDescription> {
    static ALL: OnceLock<Vec<ConnectorDescription>> = OnceLock::new();
    ALL.get_or_init(|| connectors().iter().map(Connector::describe).collect())
        .clone()
}

// ---- saving a connection ------------------------------------------------------------------------

/// What saving a connection does, decided before anything is written: the secrets to remove
/// and to store (in that order, before the record, so a keyring that refuses leaves nothing
/// half saved), and the record.
pub struct SavePlan {
    pub record: ConnectionRecord,
    pub delete_secrets: Vec<String>,
    pub store_secrets: Vec<(String, Secret)>,
}

impl std::fmt::Debug for SavePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavePlan")
            .field("record", &self.record)
            .field("delete_secrets", &self.delete_secrets)
            .field(
                "store_secrets",
                &self
                    .store_secrets
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn config_error(nl: &str, en: &str, field: &str) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(field)
}

/// The origin (scheme, host, port) a connection's secrets are sent to.
fn origin_of(base_url: &str) -> Option<(String, String, Option<u16>)> {
    let u = url::Url::parse(base_url).ok()?;
    Some((
        u.scheme().to_string(),
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default(),
    ))
}

/// Decides what saving `input` over `existing` does (see [`SavePlan`]). `new_id` names a new
/// connection.
pub fn plan_save(
    input: &ConnectionInput,
    existing: Option<&ConnectionRecord>,
    new_id: impl FnOnce() -> String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SavePlan> {
    if input.name.trim().is_empty() {
        return Err(config_error(
            "Geef de koppeling een naam.",
            "Give the connection a name.",
            "name",
        ));
    }
    if existing.is_some_and(|c| c.demo) {
        return Err(config_error(
            "De demo-koppeling kan niet worden gewijzigd.",
            "The demo connection cannot be changed.",
            "name",
        ));
    }
    let conn = get(&input.kind)?;
    if existing.is_some_and(|c| c.kind.as_str() != conn.id) {
        return Err(config_error(
            "Het soort koppeling kan niet worden gewijzigd; maak een nieuwe koppeling.",
            "The kind of a connection cannot be changed; make a new connection.",
            "kind",
        ));
    }
    // The connectors' one URL check: https (http only to this computer), no credentials,
    // query or fragment, no trailing slash. Empty: the connector's default address.
    let typed = input.base_url.trim();
    let typed = if typed.is_empty() {
        conn.url.default.as_str()
    } else {
        typed
    };
    let base_url = crate::kit::url::normalize_base_url(typed)?;
    let method = conn.sign_in(&input.auth).ok_or_else(|| {
        config_error(
            "Kies hoe de koppeling zich aanmeldt.",
            "Choose how the connection signs in.",
            "auth",
        )
    })?;
    let settings = conn.check_settings(&input.auth, &input.settings)?;
    let given = |key: &str| {
        input
            .credentials
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    // Plain credentials: what was typed now, else what was stored (for this method's fields).
    let mut plain = serde_json::Map::new();
    for f in method.fields.iter().filter(|f| !f.secret) {
        if let Some(v) = given(&f.key) {
            if f.input == CredentialInput::Port {
                let ok = v.parse::<u16>().is_ok_and(|p| p > 0);
                if !ok {
                    return Err(config_error(
                        "Vul een poortnummer in van 1 tot en met 65535, of laat het veld leeg.",
                        "Enter a port number from 1 to 65535, or leave the field empty.",
                        &f.key,
                    ));
                }
            }
            plain.insert(f.key.clone(), serde_json::Value::String(v.to_string()));
        } else if let Some(v) = existing
            .filter(|_| !input.credentials.contains_key(&f.key))
            .and_then(|c| connector::stored_credential(c, &f.key))
        {
            // Not sent at all: kept as stored. Sent empty: cleared.
            plain.insert(f.key.clone(), serde_json::Value::String(v));
        } else if f.required {
            return Err(config_error(
                &format!("Vul dit in: {}.", f.label.nl),
                &format!("Fill this in: {}.", f.label.en),
                &f.key,
            ));
        }
    }
    let mut store_secrets = Vec::new();
    for f in method.fields.iter().filter(|f| f.secret) {
        if let Some(v) = given(&f.key) {
            store_secrets.push((f.key.clone(), Secret::new(v)));
        }
    }
    // A stored secret is never sent to another address: when the host changes, the clerk
    // types the secrets again, and the old ones leave the keyring.
    let host_changed = existing.is_some_and(|c| origin_of(&c.base_url) != origin_of(&base_url));
    let mut delete_secrets = Vec::new();
    if host_changed {
        let missing = method
            .fields
            .iter()
            .find(|f| f.secret && f.required && given(&f.key).is_none());
        if let Some(f) = missing {
            return Err(config_error(
                "Het adres is veranderd: vul de inloggegevens opnieuw in. De opgeslagen gegevens worden niet naar een ander adres gestuurd.",
                "The address changed: enter the credentials again. The stored ones are not sent to another address.",
                &f.key,
            ));
        }
        delete_secrets = conn.secret_keys().into_iter().map(String::from).collect();
    }
    let url_changed = existing.is_some_and(|c| c.base_url != base_url);
    let record = ConnectionRecord {
        id: existing.map(|c| c.id.clone()).unwrap_or_else(new_id),
        kind: conn.system(),
        name: input.name.trim().to_string(),
        base_url,
        auth: method.id.clone(),
        demo: false,
        administration_id: if url_changed {
            None
        } else {
            existing.and_then(|c| c.administration_id.clone())
        },
        config: serde_json::json!({
            "credentials": plain,
            "settings": settings,
        }),
        created_at: existing.map(|c| c.created_at).unwrap_or(now),
    };
    Ok(SavePlan {
        record,
        delete_secrets,
        store_secrets,
    })
}

#[cfg(test)]
mod tests;
