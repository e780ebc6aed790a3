//! AFAS SB in the registry: how it describes itself, its demo, its OAuth sign-in and how it is
//! built from a connection's settings and secrets.

use super::{AfasAuth, AfasClient, AfasConfig, NAME, SYSTEM};
use crate::registry::{
    BoxFuture, BuildContext, Connector, Demo, DemoConnection, Example, OAuthExchange, OAuthFlow,
    OAuthStart,
};
use crate::secret::Secret;
use invoice_desk_core::backend::Backend;
use invoice_desk_core::connector::{
    CredentialInput, CredentialSpec, OAuthInfo, SignInMethod, UrlSpec,
};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use std::sync::Arc;

/// Keyring names of AFAS SB's secrets (as stored since the first version).
pub const APP_TOKEN: &str = "app-token";
pub const CLIENT_SECRET: &str = "oauth-client-secret";
pub const REFRESH_TOKEN: &str = "refresh-token";
/// Plain credentials of the OAuth sign-in.
pub const CLIENT_ID: &str = "oauth_client_id";
pub const REDIRECT_PORT: &str = "oauth_redirect_port";

/// The demo connection's id (the stand-in's AFAS environment).
pub const DEMO_ID: &str = "demo-afas";

pub fn connector() -> Connector {
    Connector {
        id: SYSTEM,
        name: NAME,
        available: true,
        url: UrlSpec {
            label: Text::new("Omgevings-URL", "Environment URL"),
            placeholder: "https://<subdomain>.afasfocus.nl/<environment>".into(),
            help: Text::new(
                "AFAS geeft dit adres uit bij de app-connector, bijv. https://12345.afasfocus.nl/production.",
                "AFAS hands out this address with the app connector, e.g. https://12345.afasfocus.nl/production.",
            ),
            required: true,
            default: String::new(),
        },
        sign_in: vec![
            SignInMethod {
                id: "app_token".into(),
                label: Text::new("App-token (vast)", "App token (static)"),
                fields: vec![CredentialSpec {
                    key: APP_TOKEN.into(),
                    label: Text::new("App-token", "App token"),
                    help: Some(Text::new(
                        "Het token van de app-connector in AFAS. Het wordt bewaard in de wachtwoordkluis van het systeem en daarna nooit meer getoond.",
                        "The token of the app connector in AFAS. It is stored in the system keyring and is never shown again.",
                    )),
                    input: CredentialInput::Password,
                    secret: true,
                    required: true,
                }],
                oauth: None,
            },
            SignInMethod {
                id: "oauth".into(),
                label: Text::new("OAuth2 (aanmelden via de browser)", "OAuth2 (sign in via browser)"),
                fields: vec![
                    CredentialSpec {
                        key: CLIENT_ID.into(),
                        label: Text::new("OAuth-client-id", "OAuth client id"),
                        help: Some(Text::new(
                            "De client-id die u van AFAS kreeg.",
                            "The client id AFAS gave you.",
                        )),
                        input: CredentialInput::Text,
                        secret: false,
                        required: true,
                    },
                    CredentialSpec {
                        key: CLIENT_SECRET.into(),
                        label: Text::new("OAuth-clientgeheim", "OAuth client secret"),
                        help: Some(Text::new(
                            "Het client-geheim dat u van AFAS kreeg. Het wordt bewaard in de wachtwoordkluis van het systeem.",
                            "The client secret AFAS gave you. It is stored in the system keyring.",
                        )),
                        input: CredentialInput::Password,
                        secret: true,
                        required: true,
                    },
                    CredentialSpec {
                        key: REDIRECT_PORT.into(),
                        label: Text::new("Poort voor terugkeer", "Redirect port"),
                        help: Some(Text::new(
                            "De lokale poort waar de browser na het aanmelden naar terugkeert. Leeg laten voor de standaardpoort.",
                            "The local port the browser returns to after signing in. Leave empty for the default.",
                        )),
                        input: CredentialInput::Port,
                        secret: false,
                        required: false,
                    },
                ],
                oauth: Some(OAuthInfo {
                    provider: "AFAS".into(),
                }),
            },
        ],
        settings: vec![],
        check: None,
        build,
        oauth: Some(OAuthFlow {
            authorize_url,
            exchange,
            token_key: REFRESH_TOKEN,
            port_key: REDIRECT_PORT,
        }),
        demo: Demo {
            path: "/demo",
            token: "demo-app-token",
            secrets: &[],
            connections: vec![DemoConnection {
                id: DEMO_ID,
                name: "Demo – AFAS SB",
                auth: "app_token",
                settings: &[],
            }],
        },
        examples: vec![Example {
            key: "afas",
            settings: &[],
        }],
    }
}

fn build(ctx: &BuildContext<'_>) -> Result<Arc<dyn Backend>> {
    let rec = ctx.record;
    let oauth = rec.auth == "oauth";
    let auth = if oauth {
        let client_id = ctx.credential(CLIENT_ID).unwrap_or_default().to_string();
        let client_secret = ctx.secret(CLIENT_SECRET)?;
        let refresh_token = ctx.secrets.secret(REFRESH_TOKEN)?.ok_or_else(|| {
            Error::new(
                ErrorCode::AuthFailed,
                "Meld u eerst aan bij AFAS SB (Instellingen → Aanmelden bij AFAS).",
                "Sign in to AFAS SB first (Settings → Sign in with AFAS).",
            )
        })?;
        AfasAuth::OAuth {
            client_id,
            client_secret,
            refresh_token,
        }
    } else {
        AfasAuth::AppToken(ctx.secret(APP_TOKEN)?)
    };
    let mut client = AfasClient::new(AfasConfig {
        base_url: rec.base_url.clone(),
        auth,
    })?;
    if let (true, Some(keep)) = (oauth, ctx.on_rotated.clone()) {
        client = client.on_new_refresh_token(move |token: &Secret| keep(REFRESH_TOKEN, token));
    }
    Ok(Arc::new(client))
}

fn client_id_of(credentials: &crate::registry::Values) -> Result<&str> {
    credentials
        .get(CLIENT_ID)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Config,
                "Vul eerst de client-id in die u van AFAS kreeg.",
                "First enter the client id AFAS gave you.",
            )
            .with_field(CLIENT_ID)
        })
}

fn authorize_url(start: &OAuthStart<'_>) -> Result<String> {
    let client_id = client_id_of(start.credentials)?;
    Ok(super::authorize_url(
        start.base_url,
        client_id,
        start.redirect_uri,
        start.challenge,
        start.state,
    ))
}

fn exchange<'a>(x: &'a OAuthExchange<'a>) -> BoxFuture<'a, Result<Secret>> {
    Box::pin(async move {
        let client_id = client_id_of(x.credentials)?;
        let client_secret = x.secrets.secret(CLIENT_SECRET)?.ok_or_else(|| {
            Error::new(
                ErrorCode::Config,
                "Vul eerst het client-geheim in dat u van AFAS kreeg.",
                "First enter the client secret AFAS gave you.",
            )
            .with_field(CLIENT_SECRET)
        })?;
        let tokens = super::exchange_code(
            x.base_url,
            client_id,
            &client_secret,
            x.redirect_uri,
            x.code,
            x.verifier,
        )
        .await?;
        if tokens.refresh_token.is_empty() {
            return Err(Error::new(
                ErrorCode::AuthFailed,
                "AFAS SB gaf geen vernieuwingstoken terug.",
                "AFAS SB returned no refresh token.",
            ));
        }
        Ok(tokens.refresh_token)
    })
}
