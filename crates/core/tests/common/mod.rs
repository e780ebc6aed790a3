#![allow(dead_code)]
//! A scripted back end for the core's tests.

use invoice_desk_core::backend::*;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use invoice_desk_core::invoice::OutgoingInvoice;
use invoice_desk_core::totals::{PriceBasis, Rounding};
use std::collections::HashMap;
use std::sync::Mutex;

/// What the fake does with the next submit calls.
#[derive(Clone, Debug)]
pub enum Script {
    Ok,
    Refuse,
    Offline,
    /// Stores the invoice, then loses the answer.
    StoreThenDrop,
    ServerError,
    /// Stores the invoice, then answers a 5xx (a gateway's 502 after the back end stored it).
    StoreThenServerError,
}

#[derive(Default)]
pub struct Fake {
    pub script: Mutex<Vec<Script>>,
    /// identity → remote id: what the "back end" holds.
    pub stored: Mutex<HashMap<uuid::Uuid, String>>,
    pub submits: Mutex<u32>,
    /// Where the "back end" says it keeps a created invoice as a document.
    pub document_url: Option<String>,
    /// Every invoice `submit` was given, in order.
    pub submitted: Mutex<Vec<OutgoingInvoice>>,
    pub lookups_can_tell: bool,
    pub uploads: Mutex<Vec<(String, Vec<u8>)>>,
    pub lookups: Mutex<u32>,
    /// The next N look-ups fail as a 5xx would.
    pub failing_lookups: Mutex<u32>,
    /// What `administrations` answers; `None`: the back end cannot be reached.
    pub administrations: Mutex<Option<Vec<Administration>>>,
    /// The system's own rules: what `precheck` finds on any draft whose first line's
    /// description is longer than this many characters (`None`: no rule).
    pub description_rule: Option<usize>,
    /// The system's own rule on the recipient from the address book: what `precheck` finds
    /// when the invoice's recipient has no value for this declared field (`None`: no rule).
    pub recipient_rule: Option<&'static str>,
    /// What the "back end" says of a created invoice beyond its id: a state in words and
    /// totals, the VAT this much off from ours (`None`: it says nothing of the kind).
    pub answer_vat_off: Option<rust_decimal::Decimal>,
    /// What the "back end" says beyond the number on a created invoice: its state, its
    /// totals and warnings.
    pub said: Option<(
        invoice_desk_core::i18n::Text,
        invoice_desk_core::backend::RemoteTotals,
        Vec<invoice_desk_core::i18n::Text>,
    )>,
}

pub fn caps() -> Capabilities {
    Capabilities {
        discounts: Default::default(),
        test_mode: false,
        kind: SystemId::new("afas"),
        vat_rates: invoice_desk_core::vat::dutch_rates(),
        rounding: Rounding::PerTotal,
        price_bases: vec![PriceBasis::ExclVat],
        product_required: true,
        line_texts: Default::default(),
        quantity_dp: 2,
        price_dp: 4,
        max_lines: None,
        administrations: true,
        administration_label: None,
        addresses: true,
        attachments: true,
        max_attachment_bytes: None,
        creates_invoices: true,
        header_fields: vec![],
        line_fields: vec![],
        app_numbering: None,
        matches_customer_by_name: false,
        relations_per_administration: true,
        products_per_administration: true,
        header: Vec::new(),
        description_max_len: None,
        lists: vec![],
        relations: Default::default(),
        system_name: "AFAS SB".into(),
    }
}

pub fn relation(id: &str, name: &str) -> Relation {
    Relation {
        id: id.into(),
        kind: RelationKind::Organisation,
        name: name.into(),
        number: Some("000019".into()),
        email: Some("info@example.nl".into()),
        city: Some("Delft".into()),
        vat_number: None,
        archived: false,
    }
}

pub fn product(id: &str, desc: &str, price: &str) -> Product {
    Product {
        id: id.into(),
        code: Some(format!("P-{id}")),
        description: desc.into(),
        price_excl: Some(price.parse().unwrap()),
        price_incl: None,
        vat_code: Some("high".into()),
        group: None,
        archived: false,
        line_defaults: Default::default(),
    }
}

impl Fake {
    pub fn with(script: Vec<Script>, lookups_can_tell: bool) -> Self {
        Fake {
            script: Mutex::new(script),
            lookups_can_tell,
            administrations: Mutex::new(Some(vec![])),
            ..Default::default()
        }
    }
    fn next(&self) -> Script {
        let mut s = self.script.lock().unwrap();
        if s.is_empty() {
            Script::Ok
        } else {
            s.remove(0)
        }
    }
    fn with_answer(&self, r: Receipt, inv: &OutgoingInvoice) -> Receipt {
        let Some(off) = self.answer_vat_off else {
            return r;
        };
        let vat = inv.totals.vat + off;
        Receipt {
            state: Some(invoice_desk_core::i18n::Text::new("Concept", "Draft")),
            totals: Some(RemoteTotals {
                net: inv.totals.net,
                vat,
                gross: inv.totals.net + vat,
            }),
            ..r
        }
    }
    pub fn stored_count(&self) -> usize {
        self.stored.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Backend for Fake {
    fn capabilities(&self) -> Capabilities {
        caps()
    }
    async fn test_connection(&self) -> Result<invoice_desk_core::i18n::Text> {
        Ok(invoice_desk_core::i18n::Text::new("nep", "fake"))
    }
    async fn administrations(&self) -> Result<Vec<Administration>> {
        match self.administrations.lock().unwrap().clone() {
            Some(list) => Ok(list),
            None => Err(Error::new(ErrorCode::Offline, "offline", "offline")),
        }
    }
    fn writer(&self) -> Option<&dyn InvoiceWriter> {
        Some(self)
    }
    fn lookups(&self) -> Option<&dyn LookupSource> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl InvoiceWriter for Fake {
    async fn upload_attachment(&self, _: &str, u: &Upload, p: Progress<'_>) -> Result<String> {
        p(0, u.bytes.len() as u64);
        self.uploads
            .lock()
            .unwrap()
            .push((u.file_name.clone(), u.bytes.clone()));
        p(u.bytes.len() as u64, u.bytes.len() as u64);
        Ok(u.id.to_string())
    }
    fn precheck(
        &self,
        draft: &invoice_desk_core::invoice::Draft,
        caps: &Capabilities,
    ) -> Vec<invoice_desk_core::error::FieldIssue> {
        if let Some(key) = self.recipient_rule {
            let inv = invoice_desk_core::fields::provisional(draft, caps);
            let has = inv
                .recipient
                .as_ref()
                .and_then(|r| r.values.get(key))
                .is_some_and(|v| !v.trim().is_empty());
            if !has {
                return vec![invoice_desk_core::error::FieldIssue {
                    field: format!("recipient.{key}"),
                    message: invoice_desk_core::i18n::Text::new("ontbreekt", "missing"),
                }];
            }
        }
        let Some(max) = self.description_rule else {
            return vec![];
        };
        draft
            .filled_lines()
            .filter(|(_, l)| l.description.chars().count() > max)
            .map(|(i, _)| invoice_desk_core::error::FieldIssue {
                field: format!("lines[{i}].description"),
                message: invoice_desk_core::i18n::Text::new("te lang", "too long"),
            })
            .collect()
    }
    async fn submit(&self, inv: &OutgoingInvoice) -> Result<Receipt> {
        *self.submits.lock().unwrap() += 1;
        self.submitted.lock().unwrap().push(inv.clone());
        let store = |s: &Self| {
            s.stored
                .lock()
                .unwrap()
                .entry(inv.identity)
                .or_insert_with(|| uuid::Uuid::new_v4().to_string())
                .clone()
        };
        match self.next() {
            Script::Ok => Ok(self.with_answer(
                Receipt {
                    document_url: self.document_url.clone(),
                    remote_id: store(self),
                    number: Some("V1".into()),
                    total_gross: Some(inv.totals.gross),
                    warnings: self.said.as_ref().map(|s| s.2.clone()).unwrap_or_default(),
                    state: self.said.as_ref().map(|s| s.0.clone()),
                    totals: self.said.as_ref().map(|s| s.1),
                },
                inv,
            )),
            Script::Refuse => {
                Err(Error::new(ErrorCode::Refused, "geweigerd", "refused").with_field("relation"))
            }
            Script::Offline => Err(Error::new(ErrorCode::Offline, "offline", "offline")),
            Script::ServerError => Err(Error::new(ErrorCode::ServerError, "500", "500")),
            Script::StoreThenDrop => {
                store(self);
                Err(Error::new(ErrorCode::Uncertain, "weg", "dropped"))
            }
            Script::StoreThenServerError => {
                store(self);
                Err(Error::new(ErrorCode::ServerError, "502", "502"))
            }
        }
    }
    async fn lookup(&self, inv: &OutgoingInvoice) -> Result<Lookup> {
        *self.lookups.lock().unwrap() += 1;
        {
            let mut failing = self.failing_lookups.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err(Error::new(ErrorCode::ServerError, "500", "500"));
            }
        }
        if !self.lookups_can_tell {
            return Ok(Lookup::CannotTell);
        }
        Ok(match self.stored.lock().unwrap().get(&inv.identity) {
            Some(id) => Lookup::Found(self.with_answer(
                Receipt {
                    remote_id: id.clone(),
                    ..Default::default()
                },
                inv,
            )),
            None => Lookup::NotFound,
        })
    }
}

#[async_trait::async_trait]
impl LookupSource for Fake {
    async fn sync_relations(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Relation>> {
        unimplemented!()
    }
    async fn sync_products(&self, _: &str, _: Option<&str>) -> Result<SyncPage<Product>> {
        unimplemented!()
    }
    async fn addresses(&self, _: &str, _: &Relation) -> Result<Vec<Address>> {
        Ok(vec![])
    }
}
