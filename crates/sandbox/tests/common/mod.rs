#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use invoice_desk_sandbox::{AfasConfig, Sandbox, SandboxConfig};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct Env {
    pub sb: Sandbox,
    pub http: Client,
    pub token: String,
}

pub fn small() -> SandboxConfig {
    SandboxConfig {
        seed: 7,
        afas: AfasConfig {
            persons: 120,
            organisations: 100,
            products: 60,
            ..AfasConfig::default()
        },
        ..SandboxConfig::default()
    }
}

pub async fn start(cfg: SandboxConfig) -> Env {
    let sb = Sandbox::start("127.0.0.1:0".parse().unwrap(), cfg)
        .await
        .unwrap();
    let http = Client::new();
    let token = static_token(&http, &sb).await;
    Env { sb, http, token }
}

pub async fn static_token(http: &Client, sb: &Sandbox) -> String {
    let r = http
        .post(format!(
            "{}/authentication/getaccesstoken",
            sb.afas_base_url()
        ))
        .json(&json!({"apptoken": "demo-app-token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.afas_base_url())
    }

    pub fn hook(&self, path: &str) -> String {
        format!("{}/__sandbox{path}", self.sb.base_url())
    }

    pub fn get(&self, path: &str, version: &str) -> RequestBuilder {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .header("Accept-Version", version)
    }

    pub async fn get_json(&self, path: &str, version: &str) -> Value {
        let r = self.get(path, version).send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    pub async fn hook_json(&self, path: &str) -> Value {
        self.http
            .get(self.hook(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn hook_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(self.hook(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    pub fn post_invoice(&self, body: &Value) -> RequestBuilder {
        self.http
            .post(self.url("/api/salesinvoice"))
            .bearer_auth(&self.token)
            .header("Accept-Version", "2")
            .json(body)
    }

    pub async fn administrations(&self) -> Vec<String> {
        let v = self.get_json("/api/administrations", "1").await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["Id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Active products of an administration.
    pub async fn products(&self, admin: &str, take: usize) -> Vec<Value> {
        let v = self
            .get_json(
                &format!(
                    "/api/products?filter=AdministrationId eq {admin} and IsArchived eq false and IsBlocked eq false and IsDisabled eq false&take={take}&sort=InternalId Ascending"
                ),
                "3.0",
            )
            .await;
        v["Result"].as_array().unwrap().clone()
    }

    /// An active organisation.
    pub async fn organisation(&self) -> Value {
        let v = self
            .get_json(
                "/api/organisations?filter=IsArchived eq false&take=1",
                "2.0",
            )
            .await;
        v["Result"][0].clone()
    }

    pub async fn invoice_body(&self) -> Value {
        let admin = &self.administrations().await[0];
        let org = self.organisation().await;
        let products = self.products(admin, 2).await;
        json!({
            "AdministrationId": admin,
            "IssueDate": "2026-03-02",
            "RelationType": "organisation",
            "RelationId": org["Id"],
            "SentInvoiceEmail": false,
            "InvoiceLine": [
                {"ItemId": products[0]["Id"], "Quantity": 2},
                {"ItemId": products[1]["Id"], "Quantity": 1.5, "Price": 10.05, "VatType": "low"}
            ]
        })
    }
}

pub async fn json_of(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}-verifier.with~allowed_chars",
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}
