//! Shared helpers of the back-end tests: a small sandbox on 127.0.0.1, its test hooks, and
//! invoices built from what the sandbox lists.
#![allow(dead_code)]

use chrono::NaiveDate;
use invoice_desk_backends::{AfasAuth, AfasClient, AfasConfig, Secret};
use invoice_desk_core::backend::LookupSource;
use invoice_desk_core::backend::{Product, Relation, RelationKind};
use invoice_desk_core::invoice::{OutgoingInvoice, OutgoingLine};
use invoice_desk_core::totals::{self, LineInput, PriceBasis, Rounding};
use invoice_desk_core::Decimal;
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use std::collections::BTreeMap;

pub const APP_TOKEN: &str = "demo-app-token";

/// A sandbox with a small data set: 300 persons, 250 organisations, 120 products per
/// administration, two administrations.
pub fn small_config() -> SandboxConfig {
    let mut c = SandboxConfig::default();
    c.afas.persons = 300;
    c.afas.organisations = 250;
    c.afas.products = 120;
    c.afas.administrations = 2;
    c.mollie.invoices_per_profile = 3;
    c
}

pub struct Env {
    pub sandbox: Sandbox,
    pub web: reqwest::Client,
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .expect("sandbox starts");
    Env {
        sandbox,
        web: reqwest::Client::new(),
    }
}

pub async fn start() -> Env {
    start_with(small_config()).await
}

impl Env {
    pub fn base(&self) -> String {
        self.sandbox.afas_base_url()
    }

    pub fn client_with(&self, auth: AfasAuth) -> AfasClient {
        AfasClient::new(AfasConfig {
            base_url: self.base(),
            auth,
        })
        .expect("client")
    }

    /// A client with the default app token.
    pub fn client(&self) -> AfasClient {
        self.client_with(AfasAuth::AppToken(Secret::new(APP_TOKEN)))
    }

    pub async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        let r = self.web.get(&url).send().await.expect("hook answers");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("hook JSON")
    }

    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let url = format!("{}{path}", self.sandbox.base_url());
        let r = self.web.get(&url).send().await.expect("hook answers");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.bytes().await.unwrap().to_vec()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        let r = self
            .web
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("hook answers");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    pub async fn faults(&self, body: Value) -> Value {
        self.post("/__sandbox/afas/faults", body).await
    }

    pub async fn mutate(&self, body: Value) -> Value {
        self.post("/__sandbox/afas/mutate", body).await
    }

    pub async fn stats(&self) -> Value {
        self.get("/__sandbox/afas/stats").await
    }

    pub async fn invoices(&self) -> Vec<Value> {
        self.get("/__sandbox/afas/invoices")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn log(&self) -> Vec<Value> {
        self.get("/__sandbox/log")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn clear_log(&self) {
        let url = format!("{}/__sandbox/log", self.sandbox.base_url());
        self.web.delete(&url).send().await.unwrap();
    }

    /// Requests to the token endpoints so far.
    pub async fn token_requests(&self) -> usize {
        self.log()
            .await
            .iter()
            .filter(|e| {
                let p = e["path"].as_str().unwrap_or("");
                p.ends_with("/authentication/getaccesstoken") || p.ends_with("/app/token")
            })
            .count()
    }

    /// Log entries whose path ends with `suffix`.
    pub async fn requests_to(&self, suffix: &str) -> Vec<Value> {
        self.log()
            .await
            .into_iter()
            .filter(|e| e["path"].as_str().unwrap_or("").ends_with(suffix))
            .collect()
    }

    pub async fn administration_ids(&self) -> Vec<String> {
        self.stats().await["administrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
}

/// Runs a relation feed from `cursor` to its end; returns the pages.
pub async fn relation_pages(
    client: &AfasClient,
    cursor: Option<String>,
) -> Vec<invoice_desk_core::backend::SyncPage<Relation>> {
    let mut pages = Vec::new();
    let mut cursor = cursor;
    for _ in 0..1000 {
        let page = client
            .sync_relations("", cursor.as_deref())
            .await
            .expect("relation page");
        cursor = Some(page.cursor.clone());
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the relation feed does not end");
}

pub async fn product_pages(
    client: &AfasClient,
    admin: &str,
    cursor: Option<String>,
) -> Vec<invoice_desk_core::backend::SyncPage<Product>> {
    let mut pages = Vec::new();
    let mut cursor = cursor;
    for _ in 0..1000 {
        let page = client
            .sync_products(admin, cursor.as_deref())
            .await
            .expect("product page");
        cursor = Some(page.cursor.clone());
        let done = page.done;
        pages.push(page);
        if done {
            return pages;
        }
    }
    panic!("the product feed does not end");
}

pub async fn all_relations(client: &AfasClient) -> Vec<Relation> {
    relation_pages(client, None)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect()
}

pub async fn all_products(client: &AfasClient, admin: &str) -> Vec<Product> {
    product_pages(client, admin, None)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect()
}

/// What an invoice needs from the sandbox: an administration, relations of each kind and
/// products.
pub struct Catalogue {
    pub admin: String,
    pub relations: Vec<Relation>,
    pub products: Vec<Product>,
}

impl Catalogue {
    pub async fn load(client: &AfasClient, env: &Env) -> Catalogue {
        let admin = env.administration_ids().await[0].clone();
        let relations = all_relations(client).await;
        let products = all_products(client, &admin).await;
        Catalogue {
            admin,
            relations,
            products,
        }
    }

    pub fn relation(&self, kind: RelationKind) -> Relation {
        self.relations
            .iter()
            .find(|r| r.kind == kind && !r.archived)
            .cloned()
            .expect("a usable relation of this kind")
    }

    /// The n-th usable product.
    pub fn product(&self, n: usize) -> Product {
        self.products
            .iter()
            .filter(|p| !p.archived && p.price_excl.is_some())
            .nth(n)
            .cloned()
            .expect("a usable product")
    }
}

pub fn vat_percent(code: &str) -> Decimal {
    match code {
        "high" => Decimal::from(21),
        "low" => Decimal::from(9),
        _ => Decimal::ZERO,
    }
}

/// A line: product, quantity, unit price (on the invoice's basis).
pub fn line(product: &Product, quantity: &str, price: &str) -> OutgoingLine {
    let vat_code = product.vat_code.clone().unwrap_or_else(|| "high".into());
    OutgoingLine {
        discount: None,
        product: Some(product.clone()),
        description: product.description.clone(),
        quantity: quantity.parse().unwrap(),
        unit_price: price.parse().unwrap(),
        vat_percent: vat_percent(&vat_code),
        vat_code,
        extra_description: String::new(),
        extra: BTreeMap::new(),
    }
}

/// An invoice with a fresh identity and its totals computed the core's way.
pub fn invoice(
    admin: &str,
    relation: &Relation,
    lines: Vec<OutgoingLine>,
    basis: PriceBasis,
) -> OutgoingInvoice {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            vat_percent: l.vat_percent,
            vat_code: l.vat_code.clone(),
        })
        .collect();
    OutgoingInvoice {
        discount: None,
        recipient: None,
        identity: uuid::Uuid::new_v4(),
        draft_id: uuid::Uuid::new_v4(),
        administration_id: admin.to_string(),
        relation: relation.clone(),
        address_id: None,
        issue_date: NaiveDate::from_ymd_opt(2025, 5, 16).unwrap(),
        reference: String::new(),
        price_basis: basis,
        lines,
        attachments: Vec::new(),
        extra: BTreeMap::new(),
        totals: totals::compute(&inputs, basis, Rounding::PerTotal).unwrap(),
    }
}
