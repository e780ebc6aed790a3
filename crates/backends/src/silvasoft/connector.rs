//! Silvasoft in the registry: how it describes itself, its demo, and how it is built from a
//! connection's settings and secrets.

use super::{SilvasoftClient, SilvasoftConfig, SilvasoftModule, DEFAULT_BASE_URL, NAME, SYSTEM};
use crate::registry::{BuildContext, Connector, Demo, DemoConnection, Example, Values};
use invoice_desk_core::backend::Backend;
use invoice_desk_core::connector::{
    CredentialInput, CredentialSpec, SettingGroup, SettingInput, SettingOption, SettingSpec,
    SignInMethod, UrlSpec, When,
};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::store::SubmissionState;
use std::sync::Arc;

/// Keyring name of the API key (as stored since the first version).
pub const API_KEY: &str = "api-key";

fn option(value: &str, nl: &str, en: &str, help: Option<(&str, &str)>) -> SettingOption {
    SettingOption {
        value: value.into(),
        label: Text::new(nl, en),
        help: help.map(|(nl, en)| Text::new(nl, en)),
    }
}

pub fn connector() -> Connector {
    Connector {
        id: SYSTEM,
        name: NAME,
        available: true,
        url: UrlSpec {
            label: Text::new("API-adres", "API address"),
            placeholder: DEFAULT_BASE_URL.into(),
            help: Text::new(
                "Het API-adres van Silvasoft. Dit hoeft zelden te worden gewijzigd: laat het staan, tenzij Silvasoft iets anders aangeeft.",
                "Silvasoft's API address. It rarely needs changing: leave it as it is unless Silvasoft tells you otherwise.",
            ),
            required: false,
            default: DEFAULT_BASE_URL.into(),
        },
        sign_in: vec![SignInMethod {
            id: "api_key".into(),
            label: Text::new("API-sleutel", "API key"),
            fields: vec![CredentialSpec {
                key: API_KEY.into(),
                label: Text::new("API-sleutel", "API key"),
                help: Some(Text::new(
                    "Maak hem aan in Silvasoft onder Beheer > API (na het kiezen van een API-abonnement); Silvasoft toont hem maar één keer. Hij wordt bewaard in de wachtwoordkluis van het systeem en daarna nooit meer getoond.",
                    "Create it in Silvasoft under Beheer > API (after choosing an API plan); Silvasoft shows it only once. It is stored in the system keyring and never shown again.",
                )),
                input: CredentialInput::Password,
                secret: true,
                required: true,
            }],
            oauth: None,
        }],
        settings: vec![
            SettingSpec {
                key: "username".into(),
                label: Text::new(
                    "Gebruikersnaam (inlog-e-mailadres van Silvasoft)",
                    "Username (Silvasoft login e-mail)",
                ),
                help: Some(Text::new(
                    "Het e-mailadres waarmee u inlogt bij Silvasoft; het gaat mee met de API-sleutel.",
                    "The e-mail address you log in to Silvasoft with; it is sent along with the API key.",
                )),
                input: SettingInput::Email,
                options: vec![],
                default: String::new(),
                required: true,
                group: SettingGroup::SignIn,
                when: None,
                sign_in: vec![],
                summary: true,
            },
            SettingSpec {
                key: "module".into(),
                label: Text::new("Boekingsmodule", "Booking module"),
                help: None,
                input: SettingInput::Choice,
                options: vec![
                    option(
                        "bookkeeping",
                        "Boekhouding (verkoopboeking, geen artikelen)",
                        "Bookkeeping (sales booking, no products)",
                        Some((
                            "Elke factuur wordt direct als verkoopboeking in de boekhouding gezet: bedragen incl. btw per regel, eventueel met kostenplaats en grootboekrekening. Geen artikelen en geen voorraad.",
                            "Each invoice is booked straight into the ledger as a sales booking: amounts incl. VAT per line, optionally with a cost centre and ledger account. No products and no stock.",
                        )),
                    ),
                    option(
                        "invoicing",
                        "Facturatie (factuur met artikelen, voorraad)",
                        "Invoicing (invoice with products, stock)",
                        Some((
                            "Elke factuur wordt een echte factuur in de module Facturatie van Silvasoft: elke regel heeft een bestaand Silvasoft-artikel nodig en de voorraad wordt bijgewerkt.",
                            "Each invoice becomes a real invoice in Silvasoft's Invoicing module: every line needs an existing Silvasoft product, and the stock is updated.",
                        )),
                    ),
                ],
                default: "bookkeeping".into(),
                required: true,
                group: SettingGroup::Options,
                when: None,
                sign_in: vec![],
                summary: true,
            },
            SettingSpec {
                key: "numbering".into(),
                label: Text::new("Factuurnummering", "Invoice numbering"),
                help: Some(Text::new(
                    "Silvasoft beschermt niet tegen dubbele facturen: als Invoice Desk nummert, kan een factuur waarvan het antwoord verloren ging precies op zijn nummer worden nagekeken voordat er opnieuw iets wordt verstuurd.",
                    "Silvasoft has no duplicate protection: with Invoice Desk numbering, an invoice whose answer got lost can be checked exactly by its number before anything is sent again.",
                )),
                input: SettingInput::Choice,
                options: vec![
                    option(
                        "silvasoft",
                        "Silvasoft nummert de facturen",
                        "Silvasoft numbers the invoices",
                        None,
                    ),
                    option(
                        "app",
                        "Invoice Desk nummert ze vanaf …",
                        "Invoice Desk numbers them from …",
                        None,
                    ),
                ],
                default: "app".into(),
                required: true,
                group: SettingGroup::Options,
                when: None,
                sign_in: vec![],
                summary: false,
            },
            SettingSpec {
                key: "first_invoice_number".into(),
                label: Text::new("Eerste factuurnummer", "First invoice number"),
                help: Some(Text::new(
                    "Alleen cijfers, bijv. 2026001. Kies een nummer boven het hoogste factuurnummer dat al in Silvasoft staat; de volgende facturen tellen daarvan op.",
                    "Digits only, e.g. 2026001. Choose a number above the highest invoice number already in Silvasoft; the next invoices count up from it.",
                )),
                input: SettingInput::Digits,
                options: vec![],
                default: String::new(),
                required: true,
                group: SettingGroup::Options,
                when: Some(When {
                    key: "numbering".into(),
                    values: vec!["app".into()],
                }),
                sign_in: vec![],
                summary: true,
            },
        ],
        check: Some(check),
        build,
        oauth: None,
        demo: Demo {
            path: "/silvasoft",
            token: "demo-silvasoft-key",
            secrets: &[],
            connections: vec![
                DemoConnection {
                    id: "demo-silvasoft-bookkeeping",
                    name: "Demo – Silvasoft (boekhouding)",
                    auth: "api_key",
                    settings: &[
                        ("username", "demo@invoicedesk.nl"),
                        ("module", "bookkeeping"),
                        ("numbering", "app"),
                        ("first_invoice_number", "90000001"),
                    ],
                },
                DemoConnection {
                    id: "demo-silvasoft-invoicing",
                    name: "Demo – Silvasoft (facturatie)",
                    auth: "api_key",
                    settings: &[
                        ("username", "demo@invoicedesk.nl"),
                        ("module", "invoicing"),
                        ("numbering", "silvasoft"),
                    ],
                },
            ],
        },
        examples: vec![
            Example {
                key: "silvasoft_bookkeeping",
                settings: &[("username", "demo@invoicedesk.nl"), ("module", "bookkeeping")],
            },
            Example {
                key: "silvasoft_invoicing",
                settings: &[("username", "demo@invoicedesk.nl"), ("module", "invoicing")],
            },
        ],
    }
}

/// The first number the app gives must be a number Silvasoft can hold, from 1.
fn check(settings: &Values) -> Result<()> {
    if let Some(n) = settings.get("first_invoice_number") {
        if !n.parse::<u64>().is_ok_and(|n| n > 0) {
            return Err(Error::new(
                ErrorCode::Config,
                "Vul het eerste factuurnummer in, alleen cijfers (bijvoorbeeld 2026001).",
                "Enter the first invoice number, digits only (for example 2026001).",
            )
            .with_field("settings.first_invoice_number"));
        }
    }
    Ok(())
}

fn build(ctx: &BuildContext<'_>) -> Result<Arc<dyn Backend>> {
    let rec = ctx.record;
    let module = match ctx.setting("module") {
        Some("invoicing") => SilvasoftModule::Invoicing,
        _ => SilvasoftModule::Bookkeeping,
    };
    let first_invoice_number = match ctx.setting("numbering") {
        Some("app") => ctx
            .setting("first_invoice_number")
            .and_then(|n| n.parse().ok()),
        _ => None,
    };
    let client = SilvasoftClient::new(SilvasoftConfig {
        base_url: rec.base_url.clone(),
        username: ctx.setting("username").unwrap_or_default().to_string(),
        api_key: ctx.secret(API_KEY)?,
        module,
        first_invoice_number,
        vat_percentages: vec!["21".into(), "9".into(), "0".into()],
    })?;
    // Numbers of invoices this app already sent: a look-up by date never takes one of them for
    // an invoice whose answer got lost.
    if let Some(store) = ctx.store {
        let sent = store.outbox(&rec.id, 100_000)?;
        client.remember_invoice_numbers(
            sent.iter()
                .filter(|e| e.state == SubmissionState::Sent)
                .filter_map(|e| e.number.clone()),
        );
    }
    Ok(Arc::new(client))
}
