//! Mollie in the registry: how it describes itself, its demo and how it is built from a
//! connection's sign-in method, settings and secret.

use super::{MollieAuth, MollieClient, MollieConfig, DEFAULT_BASE_URL, NAME, SYSTEM};
use crate::registry::{BuildContext, Connector, Demo, DemoConnection, Example};
use invoice_desk_core::backend::Backend;
use invoice_desk_core::connector::{
    CredentialInput, CredentialSpec, SettingGroup, SettingInput, SettingOption, SettingSpec,
    SignInMethod, UrlSpec,
};
use invoice_desk_core::error::Result;
use invoice_desk_core::i18n::Text;
use std::sync::Arc;

/// Keyring names of Mollie's secrets.
pub const API_KEY: &str = "api_key";
pub const ACCESS_TOKEN: &str = "access_token";
/// Sign-in methods.
pub const AUTH_API_KEY: &str = "api_key";
pub const AUTH_ORG_TOKEN: &str = "org_token";
/// The setting of an organization token's test mode ("true" / "false").
pub const TEST_MODE: &str = "test_mode";

/// The demo connections' ids.
pub const DEMO_ID: &str = "demo-mollie";
pub const DEMO_ORG_ID: &str = "demo-mollie-org";
/// What the demo signs in with (sample data only, not secrets): the built-in stand-in's test
/// API key and organization token.
pub const DEMO_KEY: &str = "test_demoMollieKey0000000000000000";
pub const DEMO_TOKEN: &str = "access_demoMollieToken000000000000";

pub fn connector() -> Connector {
    Connector {
        id: SYSTEM,
        name: NAME,
        available: true,
        url: UrlSpec {
            label: Text::new("Mollie-adres", "Mollie address"),
            placeholder: DEFAULT_BASE_URL.into(),
            help: Text::new(
                "Normaal https://api.mollie.com; laat het zo staan.",
                "Normally https://api.mollie.com; leave it as it is.",
            ),
            required: true,
            default: DEFAULT_BASE_URL.into(),
        },
        sign_in: vec![
            SignInMethod {
                id: AUTH_API_KEY.into(),
                label: Text::new("API-sleutel van een profiel", "A profile's API key"),
                fields: vec![CredentialSpec {
                    key: API_KEY.into(),
                    label: Text::new("API-sleutel (live_… of test_…)", "API key (live_… or test_…)"),
                    help: Some(Text::new(
                        "Te vinden in het Mollie-dashboard onder Ontwikkelaars → API-sleutels. Met een test_-sleutel is alles wat u verstuurt testdata. Wordt bewaard in de wachtwoordkluis van het systeem.",
                        "Found in the Mollie dashboard under Developers → API keys. With a test_ key everything you send is test data. It is stored in the system keyring.",
                    )),
                    input: CredentialInput::Password,
                    secret: true,
                    required: true,
                }],
                oauth: None,
            },
            SignInMethod {
                id: AUTH_ORG_TOKEN.into(),
                label: Text::new(
                    "Organisatietoegangstoken (meerdere profielen)",
                    "Organization access token (several profiles)",
                ),
                fields: vec![CredentialSpec {
                    key: ACCESS_TOKEN.into(),
                    label: Text::new("Toegangstoken (access_…)", "Access token (access_…)"),
                    help: Some(Text::new(
                        "Maak het in het Mollie-dashboard onder Ontwikkelaars → Organisatietoegangstokens, met de rechten sales-invoices.read en sales-invoices.write (en profiles.read). Wordt bewaard in de wachtwoordkluis van het systeem.",
                        "Create it in the Mollie dashboard under Developers → Organization access tokens, with the permissions sales-invoices.read and sales-invoices.write (and profiles.read). It is stored in the system keyring.",
                    )),
                    input: CredentialInput::Password,
                    secret: true,
                    required: true,
                }],
                oauth: None,
            },
        ],
        settings: vec![SettingSpec {
            key: TEST_MODE.into(),
            label: Text::new("Testmodus", "Test mode"),
            help: Some(Text::new(
                "Aan: alles wat u verstuurt is testdata. (Met een API-sleutel bepaalt de sleutel dit zelf: test_ of live_.)",
                "On: everything you send is test data. (With an API key the key decides: test_ or live_.)",
            )),
            input: SettingInput::Choice,
            options: vec![
                SettingOption {
                    value: "false".into(),
                    label: Text::new("Uit", "Off"),
                    help: None,
                },
                SettingOption {
                    value: "true".into(),
                    label: Text::new("Aan", "On"),
                    help: None,
                },
            ],
            default: "false".into(),
            required: false,
            group: SettingGroup::SignIn,
            when: None,
            sign_in: vec![AUTH_ORG_TOKEN.into()],
            summary: false,
        }],
        check: None,
        build,
        oauth: None,
        demo: Demo {
            path: "/mollie",
            token: DEMO_KEY,
            secrets: &[(API_KEY, DEMO_KEY), (ACCESS_TOKEN, DEMO_TOKEN)],
            connections: vec![
            // The organization token first: its sample (the generated capabilities) has the
            // profiles as administrations.
                DemoConnection {
                    id: DEMO_ORG_ID,
                    name: "Demo – Mollie (organisatie)",
                    auth: AUTH_ORG_TOKEN,
                    settings: &[(TEST_MODE, "true")],
                },
                DemoConnection {
                    id: DEMO_ID,
                    name: "Demo – Mollie",
                    auth: AUTH_API_KEY,
                    settings: &[],
                },
            ],
        },
        examples: vec![Example {
            key: "mollie",
            settings: &[(TEST_MODE, "true")],
        }],
    }
}

fn build(ctx: &BuildContext<'_>) -> Result<Arc<dyn Backend>> {
    let auth = if ctx.record.auth == AUTH_ORG_TOKEN {
        MollieAuth::OrgToken {
            token: ctx.secret(ACCESS_TOKEN)?,
            test_mode: ctx.setting(TEST_MODE) == Some("true"),
        }
    } else {
        MollieAuth::ApiKey(ctx.secret(API_KEY)?)
    };
    let client = MollieClient::new(MollieConfig {
        base_url: ctx.record.base_url.clone(),
        auth,
    })?;
    Ok(Arc::new(client))
}
