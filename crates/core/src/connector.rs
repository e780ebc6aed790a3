//! How a connector describes itself to the settings screen (`ConnectorDescription`), what the
//! screen sends and shows for a connection (`ConnectionInput`, `ConnectionView`), and the
//! generic checks of a connection's settings. The connectors fill these in
//! (`invoice_desk_backends::registry`); the shell and the UI render them and name no system.

use crate::backend::Capabilities;
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Text;
use crate::store::ConnectionRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The address field of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UrlSpec {
    pub label: Text,
    pub placeholder: String,
    pub help: Text,
    pub required: bool,
    /// The address a new connection starts with ("" when each customer has their own).
    pub default: String,
}

/// Where an OAuth sign-in goes ("Sign in with <provider>" after saving).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OAuthInfo {
    pub provider: String,
}

/// A way to sign in, with the credentials it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SignInMethod {
    /// Stored as the connection's `auth` ("app_token", "oauth", "api_key", …).
    pub id: String,
    pub label: Text,
    pub fields: Vec<CredentialSpec>,
    pub oauth: Option<OAuthInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CredentialInput {
    Password,
    Text,
    Port,
}

/// One credential a sign-in method asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CredentialSpec {
    /// For a secret: its name in the keyring (`{connection}/{key}`); otherwise its key in the
    /// connection's config.
    pub key: String,
    pub label: Text,
    pub help: Option<Text>,
    pub input: CredentialInput,
    /// True: kept in the OS keyring only and never echoed back; false: connection config.
    pub secret: bool,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingInput {
    Text,
    Email,
    Digits,
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SettingOption {
    pub value: String,
    pub label: Text,
    pub help: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingGroup {
    SignIn,
    Options,
}

/// A condition on another setting's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct When {
    pub key: String,
    pub values: Vec<String>,
}

/// A non-secret setting of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SettingSpec {
    pub key: String,
    pub label: Text,
    pub help: Option<Text>,
    pub input: SettingInput,
    /// `[]` unless `input` is `choice`.
    pub options: Vec<SettingOption>,
    pub default: String,
    pub required: bool,
    pub group: SettingGroup,
    /// Shown, checked and sent only while this holds.
    pub when: Option<When>,
    /// The sign-in methods (their ids) it belongs to; empty: every one.
    pub sign_in: Vec<String>,
    /// Shown in the list of connections.
    pub summary: bool,
}

impl SettingSpec {
    /// Whether the setting applies to a connection that signs in with `auth` and has these
    /// values: it belongs to that sign-in method, and its condition holds (or it has none).
    pub fn applies(&self, auth: &str, values: &BTreeMap<String, String>) -> bool {
        if !self.sign_in.is_empty() && !self.sign_in.iter().any(|m| m == auth) {
            return false;
        }
        match &self.when {
            None => true,
            Some(w) => {
                let v = values.get(&w.key).map(|v| v.trim()).unwrap_or("");
                w.values.iter().any(|x| x == v)
            }
        }
    }
}

/// What the settings screen shows of a connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ConnectorDescription {
    /// Also the connection's `kind`.
    pub id: String,
    /// The same in every language.
    pub name: String,
    /// Whether a clerk can create a connection of it in this version.
    pub available: bool,
    /// Whether it sends invoices (has the writer facet).
    pub writes: bool,
    /// Whether it reads invoices back (has the reader facet).
    pub reads: bool,
    pub url: UrlSpec,
    /// The first is the default for a new connection.
    pub sign_in: Vec<SignInMethod>,
    pub settings: Vec<SettingSpec>,
}

impl ConnectorDescription {
    pub fn sign_in(&self, auth: &str) -> Option<&SignInMethod> {
        self.sign_in.iter().find(|m| m.id == auth)
    }
}

/// A connection as the settings screen sends it.
#[derive(Clone, Deserialize, ts_rs::TS)]
pub struct ConnectionInput {
    pub id: Option<String>,
    pub kind: String,
    pub name: String,
    pub base_url: String,
    pub auth: String,
    /// Only what the clerk typed now; a secret left out keeps the stored one.
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub credentials: BTreeMap<String, String>,
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub settings: BTreeMap<String, String>,
}

impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInput")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// A connection as the settings screen shows it: never a secret.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConnectionView {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub base_url: String,
    pub auth: String,
    pub demo: bool,
    pub administration_id: Option<String>,
    /// All required secrets of `auth` are stored (OAuth: signed in).
    pub has_secret: bool,
    /// The plain (non-secret) credential values only.
    #[ts(type = "Record<string, string>")]
    pub credentials: BTreeMap<String, String>,
    #[ts(type = "Record<string, string>")]
    pub settings: BTreeMap<String, String>,
    pub capabilities: Option<Capabilities>,
}

/// A JSON value as the text a form field holds.
fn as_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The stored settings of a connection (`config.settings`), as text.
pub fn stored_settings(rec: &ConnectionRecord) -> BTreeMap<String, String> {
    rec.config
        .get("settings")
        .and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| as_text(v).map(|v| (k.clone(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// The stored plain credential `key` of a connection: `config.credentials[key]`, or, as
/// connections were stored before credentials were named, `config[key]`.
pub fn stored_credential(rec: &ConnectionRecord, key: &str) -> Option<String> {
    rec.config
        .get("credentials")
        .and_then(|c| c.get(key))
        .or_else(|| rec.config.get(key))
        .and_then(as_text)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn setting_error(spec: &SettingSpec, nl: String, en: String) -> Error {
    Error::new(ErrorCode::Config, nl, en).with_field(format!("settings.{}", spec.key))
}

/// The generic checks of a connection's settings, from their specs: required, e-mail, digits,
/// a choice among the options, each only for its sign-in methods and while its condition
/// holds. Returns the settings to
/// store: the declared ones that apply, trimmed (an empty optional one is left out).
pub fn check_settings(
    specs: &[SettingSpec],
    auth: &str,
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for spec in specs {
        if !spec.applies(auth, values) {
            continue;
        }
        let v = values.get(&spec.key).map(|v| v.trim()).unwrap_or("");
        let (nl_label, en_label) = (spec.label.nl.as_str(), spec.label.en.as_str());
        if v.is_empty() {
            if spec.required {
                return Err(setting_error(
                    spec,
                    format!("Vul dit in: {nl_label}."),
                    format!("Fill this in: {en_label}."),
                ));
            }
            continue;
        }
        match spec.input {
            SettingInput::Text => {}
            SettingInput::Email => {
                let ok = v
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                    && !v.chars().any(char::is_whitespace);
                if !ok {
                    return Err(setting_error(
                        spec,
                        format!("{nl_label}: vul een e-mailadres in."),
                        format!("{en_label}: enter an e-mail address."),
                    ));
                }
            }
            SettingInput::Digits => {
                if !v.chars().all(|c| c.is_ascii_digit()) || v.len() > 18 {
                    return Err(setting_error(
                        spec,
                        format!("{nl_label}: alleen cijfers (hoogstens 18)."),
                        format!("{en_label}: digits only (at most 18)."),
                    ));
                }
            }
            SettingInput::Choice => {
                if !spec.options.iter().any(|o| o.value == v) {
                    return Err(setting_error(
                        spec,
                        format!("{nl_label}: kies een van de mogelijkheden."),
                        format!("{en_label}: choose one of the options."),
                    ));
                }
            }
        }
        out.insert(spec.key.clone(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str, input: SettingInput, required: bool, when: Option<When>) -> SettingSpec {
        SettingSpec {
            sign_in: vec![],
            key: key.into(),
            label: Text::new(key, key),
            help: None,
            input,
            options: if input == SettingInput::Choice {
                ["a", "b"]
                    .iter()
                    .map(|v| SettingOption {
                        value: (*v).into(),
                        label: Text::new(*v, *v),
                        help: None,
                    })
                    .collect()
            } else {
                vec![]
            },
            default: String::new(),
            required,
            group: SettingGroup::Options,
            when,
            summary: false,
        }
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn settings_are_checked_by_their_spec_and_only_while_their_condition_holds() {
        let specs = vec![
            spec("mail", SettingInput::Email, true, None),
            spec("pick", SettingInput::Choice, true, None),
            spec(
                "first",
                SettingInput::Digits,
                true,
                Some(When {
                    key: "pick".into(),
                    values: vec!["b".into()],
                }),
            ),
            spec("note", SettingInput::Text, false, None),
        ];
        let field = |v: &[(&str, &str)]| {
            check_settings(&specs, "key", &values(v))
                .unwrap_err()
                .field
                .unwrap_or_default()
        };
        assert_eq!(field(&[("pick", "a")]), "settings.mail");
        assert_eq!(
            field(&[("mail", "geen-adres"), ("pick", "a")]),
            "settings.mail"
        );
        assert_eq!(field(&[("mail", "a@b.nl"), ("pick", "c")]), "settings.pick");
        assert_eq!(
            field(&[("mail", "a@b.nl"), ("pick", "b")]),
            "settings.first"
        );
        assert_eq!(
            field(&[("mail", "a@b.nl"), ("pick", "b"), ("first", "12a")]),
            "settings.first"
        );
        // The condition does not hold: the digits are neither checked nor kept; an unknown
        // key is not kept either, and what is kept is trimmed.
        let ok = check_settings(
            &specs,
            "key",
            &values(&[
                ("mail", " a@b.nl "),
                ("pick", "a"),
                ("first", "x"),
                ("other", "y"),
            ]),
        )
        .unwrap();
        assert_eq!(ok, values(&[("mail", "a@b.nl"), ("pick", "a")]));
        let ok = check_settings(
            &specs,
            "key",
            &values(&[("mail", "a@b.nl"), ("pick", "b"), ("first", "2026001")]),
        )
        .unwrap();
        assert_eq!(ok.get("first").map(String::as_str), Some("2026001"));
    }

    #[test]
    fn a_setting_of_one_sign_in_method_is_neither_checked_nor_kept_for_another() {
        let mut only_token = spec("mode", SettingInput::Choice, true, None);
        only_token.sign_in = vec!["token".into()];
        let specs = vec![only_token, spec("note", SettingInput::Text, false, None)];
        let v = values(&[("mode", "b"), ("note", "x")]);
        assert_eq!(check_settings(&specs, "token", &v).unwrap(), v);
        assert_eq!(
            check_settings(&specs, "key", &v).unwrap(),
            values(&[("note", "x")])
        );
        // Required for its own method only.
        let err = check_settings(&specs, "token", &values(&[])).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("settings.mode"));
        assert!(check_settings(&specs, "key", &values(&[])).is_ok());
    }
}
