//! Bloxs's answers: the token call, the create call (`SalesInvoiceServiceDetail` or problem
//! details), the look-up by external identifier, and the workflow state in words.

use super::NAME;
use crate::http::{Http, Reply, Safety};
use crate::kit::problem::{self, FieldMap};
use crate::kit::wire::money_text;
use invoice_desk_core::backend::{Receipt, RemoteTotals};
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::i18n::Text;
use invoice_desk_core::invoice::OutgoingInvoice;
use serde_json::Value;

/// Bloxs's member paths onto the form's fields.
pub const FIELD_MAP: FieldMap<'static> = FieldMap {
    header: &[
        ("ownerReference", "administration"),
        ("relationReference", "relation"),
        ("salesContractReference", "extra.sales_contract"),
        ("supplyDate", "issue_date"),
        ("paymentMethod", "extra.payment_method"),
    ],
    lines: &["lines"],
    // A line field declared by the connector is `lines[i].<key>` on the form (as the core's
    // checks name it), not `lines[i].extra.<key>`.
    line_fields: &[
        ("description", "description"),
        ("numberOfItems", "quantity"),
        ("amountExclPerItem", "unit_price"),
        ("amountExcl", "unit_price"),
        ("amountVAT", "unit_price"),
        ("amountIncl", "unit_price"),
        ("serviceItemName", "product"),
        ("realEstateObjectReference", "real_estate_object"),
        ("ledgerAccountCode", "ledger_account"),
    ],
    first_line: 0,
};

/// Where a clerk finds the key and the secret, for the messages about them.
const WHERE_NL: &str =
    "de API-sleutel staat bij Gebruikersprofiel, het API-geheim bij Beheer → Integraties → API";
const WHERE_EN: &str =
    "the API key is under User Profile, the API secret under Admin → Integrations → API";

/// The key and secret were not accepted.
pub fn wrong_credentials(detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        format!("{NAME} heeft de API-sleutel of het API-geheim niet geaccepteerd. Controleer ze bij Instellingen ({WHERE_NL})."),
        format!("{NAME} did not accept the API key or the API secret. Check them in Settings ({WHERE_EN})."),
    )
    .with_detail(detail.unwrap_or_default())
}

/// Nothing at this address answers as Bloxs.
pub fn wrong_address() -> Error {
    Error::new(
        ErrorCode::Config,
        format!("Op dit adres is geen {NAME}-omgeving gevonden. Controleer het adres bij Instellingen (bijvoorbeeld https://uwbedrijf.bloxs.io)."),
        format!("No {NAME} environment was found at this address. Check the address in Settings (for example https://yourcompany.bloxs.io)."),
    )
    .with_field("base_url")
}

/// The API user lacks the rights for `what`.
pub fn forbidden(what_nl: &str, what_en: &str, detail: Option<String>) -> Error {
    Error::new(
        ErrorCode::Forbidden,
        format!("De API-gebruiker heeft in {NAME} geen rechten om {what_nl}. Vraag de beheerder die rechten te geven."),
        format!("The API user lacks the rights to {what_en} in {NAME}. Ask the administrator to grant them."),
    )
    .with_detail(detail.unwrap_or_default())
}

/// What a failed token call means. A 400 is "the token cannot be created": wrong key or
/// secret (with `errors`, the vendor's words on which one go in the detail).
pub fn token_error(http: &Http, reply: &Reply) -> Error {
    match reply.status.as_u16() {
        400 | 401 | 403 => {
            let detail = problem::parse(&reply.body).map(|p| {
                let mut said: Vec<String> = p.title.into_iter().collect();
                for (path, msgs) in p.errors {
                    said.push(format!("{path}: {}", msgs.join(" ")));
                }
                said.join("; ")
            });
            wrong_credentials(detail)
        }
        404 | 405 | 300..=399 => wrong_address(),
        _ => http.read_status_error(reply),
    }
}

/// The workflow state in words.
pub fn workflow_state(v: &Value) -> Option<Text> {
    let n = match v {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    let key: String = t
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .flat_map(|c| c.to_lowercase())
                        .collect();
                    match key.as_str() {
                        "draft" => 1,
                        "onhold" => 2,
                        "cancelled" | "canceled" => 3,
                        "approvalworkflow" => 4,
                        "final" => 7,
                        "disapproved" => 9,
                        "ownerapprovalworkflow" => 10,
                        "disapprovedbyowner" => 11,
                        _ if t.is_empty() => return None,
                        _ => {
                            let t = t.chars().take(60).collect::<String>();
                            return Some(Text::new(t.clone(), t));
                        }
                    }
                }
            }
        }
        _ => return None,
    };
    let (nl, en) = match n {
        1 => ("Concept", "Draft"),
        2 => ("In de wacht", "On hold"),
        3 => ("Geannuleerd", "Cancelled"),
        4 => ("In goedkeuring", "Approval workflow"),
        7 => ("Definitief", "Final"),
        9 => ("Afgekeurd", "Disapproved"),
        10 => ("In goedkeuring bij de eigenaar", "Owner approval workflow"),
        11 => ("Afgekeurd door de eigenaar", "Disapproved by owner"),
        other => {
            return Some(Text::new(
                format!("status {other}"),
                format!("state {other}"),
            ))
        }
    };
    Some(Text::new(nl, en))
}

/// The receipt for a `SalesInvoiceServiceDetail`: its `reference` is the id and the number,
/// its workflow state in words, its totals next to the preview's, and a warning for every
/// total that differs. `None` when it has no reference.
pub fn receipt(detail: &Value, inv: &OutgoingInvoice) -> Option<Receipt> {
    let o = detail.as_object()?;
    let reference = super::wire::text(o, "reference")?;
    let state = super::wire::get(o, "workflowState").and_then(workflow_state);
    let excl = super::wire::amount(o, "totalAmountExcl");
    let vat = super::wire::amount(o, "totalAmountVAT");
    let incl = super::wire::amount(o, "totalAmountIncl");
    let mut warnings = Vec::new();
    let ours = [inv.totals.net, inv.totals.vat, inv.totals.gross];
    let names = [
        ("exclusief btw", "excluding VAT"),
        ("btw", "VAT"),
        ("inclusief btw", "including VAT"),
    ];
    for ((theirs, ours), (nl, en)) in [excl, vat, incl].into_iter().zip(ours).zip(names) {
        if let Some(t) = theirs {
            if t != ours {
                let (t, o) = (money_text(t), money_text(ours));
                warnings.push(Text::new(
                    format!(
                        "{NAME} berekende een totaal {nl} van € {}; de voorvertoning van de app gaf € {}. Controleer de factuur in {NAME}.",
                        t.replace('.', ","),
                        o.replace('.', ",")
                    ),
                    format!("{NAME} computed a total {en} of €{t}; the app's preview was €{o}. Check the invoice in {NAME}."),
                ));
            }
        }
    }
    let totals = match (excl, vat, incl) {
        (Some(net), Some(vat), Some(gross)) => Some(RemoteTotals { net, vat, gross }),
        _ => None,
    };
    Some(Receipt {
        document_url: None,
        remote_id: reference.clone(),
        number: Some(reference),
        total_gross: incl,
        warnings,
        state,
        totals,
    })
}

/// The external identifier a detail carries, when it carries one.
pub fn external_identifier(detail: &Value) -> Option<String> {
    super::wire::text(detail.as_object()?, "externalIdentifier")
}

/// The answer to the create call.
pub fn interpret(http: &Http, reply: &Reply, inv: &OutgoingInvoice) -> Result<Receipt> {
    let status = reply.status.as_u16();
    match status {
        200..=299 => reply
            .json_opt()
            .as_ref()
            .and_then(|v| receipt(v, inv))
            .ok_or_else(|| unreadable_after_create(reply)),
        400 | 422 => Err(refusal(reply, inv)),
        403 => Err(forbidden(
            "verkoopfacturen aan te maken",
            "create sales invoices",
            reply.vendor_message(),
        )),
        404 | 405 | 300..=399 => Err(wrong_address()),
        _ => Err(http.status_error_for(reply, Safety::NotIdempotent)),
    }
}

/// A success whose body cannot be read: the invoice may exist.
fn unreadable_after_create(reply: &Reply) -> Error {
    Error::new(
        ErrorCode::Uncertain,
        format!("{NAME} gaf een antwoord dat de app niet kon lezen. De factuur kan zijn aangemaakt; de app controleert dat voordat ze opnieuw verstuurt."),
        format!("{NAME} gave an answer the app could not read. The invoice may have been created; the app checks before it sends again."),
    )
    .with_detail(format!("HTTP {}", reply.status.as_u16()))
}

/// A refusal: each message of the problem details on the field it names.
pub fn refusal(reply: &Reply, inv: &OutgoingInvoice) -> Error {
    match problem::parse(&reply.body) {
        Some(p) => p.to_error(NAME, ErrorCode::Refused, &FIELD_MAP, Some(inv.lines.len())),
        None => Error::new(
            ErrorCode::Refused,
            format!("{NAME} heeft de factuur geweigerd"),
            format!("{NAME} refused the invoice"),
        )
        .with_detail(reply.vendor_message().unwrap_or_default()),
    }
}
