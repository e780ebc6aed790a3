//! Bloxs in the registry: how it describes itself, its demo and how it is built from a
//! connection's address and secrets.

use super::{BloxsClient, BloxsConfig, NAME, SYSTEM};
use crate::registry::{BuildContext, Connector, Demo, DemoConnection, Example};
use invoice_desk_core::backend::Backend;
use invoice_desk_core::connector::{CredentialInput, CredentialSpec, SignInMethod, UrlSpec};
use invoice_desk_core::error::Result;
use invoice_desk_core::i18n::Text;
use std::sync::Arc;

/// Keyring names of Bloxs's secrets.
pub const API_KEY: &str = "api-key";
pub const API_SECRET: &str = "api-secret";

/// The demo connection's id.
pub const DEMO_ID: &str = "demo-bloxs";
/// What the demo signs in with (sample data only, not secrets): the built-in stand-in's key
/// and secret.
pub const DEMO_KEY: &str = "demo-bloxs-key";
pub const DEMO_SECRET: &str = "demo-bloxs-secret";

pub fn connector() -> Connector {
    Connector {
        id: SYSTEM,
        name: NAME,
        available: true,
        url: UrlSpec {
            label: Text::new("Bloxs-adres", "Bloxs address"),
            placeholder: "https://<klant>.bloxs.io".into(),
            help: Text::new(
                "Het adres waarop uw organisatie Bloxs gebruikt, bijv. https://uwbedrijf.bloxs.io.",
                "The address where your organisation uses Bloxs, e.g. https://yourcompany.bloxs.io.",
            ),
            required: true,
            default: String::new(),
        },
        sign_in: vec![SignInMethod {
            id: "api_key".into(),
            label: Text::new("API-sleutel en -geheim", "API key and secret"),
            fields: vec![
                CredentialSpec {
                    key: API_KEY.into(),
                    label: Text::new("API-sleutel", "API key"),
                    help: Some(Text::new(
                        "Te vinden in Bloxs bij Gebruikersprofiel (User Profile). Wordt bewaard in de wachtwoordkluis van het systeem.",
                        "Found in Bloxs under User Profile. It is stored in the system keyring.",
                    )),
                    input: CredentialInput::Password,
                    secret: true,
                    required: true,
                },
                CredentialSpec {
                    key: API_SECRET.into(),
                    label: Text::new("API-geheim", "API secret"),
                    help: Some(Text::new(
                        "Te vinden in Bloxs bij Beheer → Integraties → API (Admin → Integrations → API). Wordt bewaard in de wachtwoordkluis van het systeem en daarna nooit meer getoond.",
                        "Found in Bloxs under Admin → Integrations → API. It is stored in the system keyring and is never shown again.",
                    )),
                    input: CredentialInput::Password,
                    secret: true,
                    required: true,
                },
            ],
            oauth: None,
        }],
        settings: vec![],
        check: None,
        build,
        oauth: None,
        demo: Demo {
            path: "/bloxs",
            token: DEMO_KEY,
            secrets: &[(API_KEY, DEMO_KEY), (API_SECRET, DEMO_SECRET)],
            connections: vec![DemoConnection {
                id: DEMO_ID,
                name: "Demo – Bloxs",
                auth: "api_key",
                settings: &[],
            }],
        },
        examples: vec![Example {
            key: "bloxs",
            settings: &[],
        }],
    }
}

fn build(ctx: &BuildContext<'_>) -> Result<Arc<dyn Backend>> {
    let client = BloxsClient::new(BloxsConfig {
        base_url: ctx.record.base_url.clone(),
        api_key: ctx.secret(API_KEY)?,
        api_secret: ctx.secret(API_SECRET)?,
    })?;
    Ok(Arc::new(client))
}
