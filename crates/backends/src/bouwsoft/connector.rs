//! Visma Bouwsoft in the registry: how it describes itself, its demo and how it is built from a
//! connection's client number (a plain setting) and refresh token (the keyring). Read-only: its
//! client has no writer.

use super::{BouwsoftClient, BouwsoftConfig, DEFAULT_AUTH_URL, NAME, SYSTEM};
use crate::registry::{BuildContext, Connector, Demo, DemoConnection, Example};
use invoice_desk_core::backend::Backend;
use invoice_desk_core::connector::{
    CredentialInput, CredentialSpec, SettingGroup, SettingInput, SettingSpec, SignInMethod, UrlSpec,
};
use invoice_desk_core::error::Result;
use invoice_desk_core::i18n::Text;
use std::sync::Arc;

/// Keyring name of the refresh token.
pub const REFRESH_TOKEN: &str = "refresh_token";
/// The setting of the client number.
pub const CLIENT_NR: &str = "client_nr";
/// The sign-in method.
pub const AUTH_REFRESH_TOKEN: &str = "refresh_token";

/// The demo connection's id.
pub const DEMO_ID: &str = "demo-bouwsoft";
/// What the demo signs in with on the built-in stand-in (sample data only, not secrets).
pub const DEMO_CLIENT_NR: &str = "115";
pub const DEMO_REFRESH_TOKEN: &str = "demo-bouwsoft-refresh-token";

pub fn connector() -> Connector {
    Connector {
        id: SYSTEM,
        name: NAME,
        available: true,
        url: UrlSpec {
            label: Text::new("Aanmeldserver van Bouwsoft", "Bouwsoft authentication server"),
            placeholder: DEFAULT_AUTH_URL.into(),
            help: Text::new(
                "Normaal https://charon.bouwsoft.be; laat het zo staan. De server met uw gegevens noemt Bouwsoft zelf bij het aanmelden.",
                "Normally https://charon.bouwsoft.be; leave it as it is. Bouwsoft names the server with your data itself when signing in.",
            ),
            required: true,
            default: DEFAULT_AUTH_URL.into(),
        },
        sign_in: vec![SignInMethod {
            id: AUTH_REFRESH_TOKEN.into(),
            label: Text::new(
                "Klantnummer en vernieuwingstoken",
                "Client number and refresh token",
            ),
            fields: vec![CredentialSpec {
                key: REFRESH_TOKEN.into(),
                label: Text::new("Vernieuwingstoken (RefreshToken)", "Refresh token"),
                help: Some(Text::new(
                    "Het token uit de activatie van de Bouwsoft-API voor deze toepassing. Wordt bewaard in de wachtwoordkluis van het systeem.",
                    "The token from activating the Bouwsoft API for this application. It is stored in the system keyring.",
                )),
                input: CredentialInput::Password,
                secret: true,
                required: true,
            }],
            oauth: None,
        }],
        settings: vec![SettingSpec {
            key: CLIENT_NR.into(),
            label: Text::new("Klantnummer bij Bouwsoft", "Bouwsoft client number"),
            help: Some(Text::new(
                "Het klantnummer (Clientnr) van uw Bouwsoft-omgeving.",
                "The client number (Clientnr) of your Bouwsoft environment.",
            )),
            input: SettingInput::Digits,
            options: Vec::new(),
            default: String::new(),
            required: true,
            group: SettingGroup::SignIn,
            when: None,
            sign_in: vec![],
            summary: true,
        }],
        check: None,
        build,
        oauth: None,
        demo: Demo {
            path: "/bouwsoft",
            token: DEMO_REFRESH_TOKEN,
            secrets: &[(REFRESH_TOKEN, DEMO_REFRESH_TOKEN)],
            connections: vec![DemoConnection {
                id: DEMO_ID,
                name: "Demo – Visma Bouwsoft",
                auth: AUTH_REFRESH_TOKEN,
                settings: &[(CLIENT_NR, DEMO_CLIENT_NR)],
            }],
        },
        examples: vec![Example {
            key: "bouwsoft",
            settings: &[(CLIENT_NR, DEMO_CLIENT_NR)],
        }],
    }
}

fn build(ctx: &BuildContext<'_>) -> Result<Arc<dyn Backend>> {
    let client_nr = ctx
        .setting(CLIENT_NR)
        .or_else(|| ctx.credential(CLIENT_NR))
        .unwrap_or_default()
        .to_string();
    let client = BouwsoftClient::new(BouwsoftConfig {
        auth_url: ctx.record.base_url.clone(),
        client_nr,
        refresh_token: ctx.secret(REFRESH_TOKEN)?,
    })?;
    Ok(Arc::new(client))
}
