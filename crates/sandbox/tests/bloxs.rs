//! The Bloxs stand-in over real HTTP: its token, its filter endpoints and their paging, its
//! service items, the create call with every refusal on its path, the look-up by external
//! identifier, its hooks and the kit's faults.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use invoice_desk_sandbox::{AfasConfig, BloxsConfig, Sandbox, SandboxConfig, SilvasoftConfig};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const KEY: &str = "demo-bloxs-key";
const SECRET: &str = "demo-bloxs-secret";

struct Env {
    sb: Sandbox,
    http: Client,
    token: String,
}

fn config(f: impl FnOnce(&mut BloxsConfig)) -> SandboxConfig {
    let mut c = SandboxConfig {
        seed: 11,
        afas: AfasConfig {
            persons: 20,
            organisations: 20,
            products: 10,
            ..AfasConfig::default()
        },
        silvasoft: SilvasoftConfig {
            relations: 20,
            products: 10,
            ..SilvasoftConfig::default()
        },
        ..SandboxConfig::default()
    };
    f(&mut c.bloxs);
    c
}

async fn start_with(f: impl FnOnce(&mut BloxsConfig)) -> Env {
    let sb = Sandbox::start("127.0.0.1:0".parse().expect("an address"), config(f))
        .await
        .expect("the sandbox starts");
    let http = Client::new();
    let mut env = Env {
        sb,
        http,
        token: String::new(),
    };
    env.token = env.new_token().await;
    env
}

async fn start() -> Env {
    start_with(|_| {}).await
}

async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.bloxs_base_url())
    }

    fn hook_url(&self, path: &str) -> String {
        format!("{}/__sandbox/bloxs/{path}", self.sb.base_url())
    }

    async fn authorize(&self, body: Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(self.url("/Authorization"))
                .json(&body)
                .send()
                .await
                .expect("an answer"),
        )
        .await
    }

    async fn new_token(&self) -> String {
        let (status, v) = self
            .authorize(json!({"apiKey": KEY, "apiSecret": SECRET}))
            .await;
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().unwrap_or_default().to_string()
    }

    async fn post_with(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(self.url(path))
                .bearer_auth(token)
                .json(body)
                .send()
                .await
                .expect("an answer"),
        )
        .await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_with(&self.token, path, body).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(
            self.http
                .get(self.url(path))
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("an answer"),
        )
        .await
    }

    async fn hook(&self, path: &str) -> Value {
        answer(
            self.http
                .get(self.hook_url(path))
                .send()
                .await
                .expect("an answer"),
        )
        .await
        .1
    }

    async fn hook_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(self.hook_url(path))
                .json(&body)
                .send()
                .await
                .expect("an answer"),
        )
        .await
    }

    /// Every item of a filter endpoint, paging as the contract says until the last page.
    async fn all(&self, path: &str, filter: Value, page_size: u64) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page = 1;
        loop {
            let (status, v) = self
                .post(
                    path,
                    &json!({"paging": {"pageSize": page_size, "pageNumber": page},
                            "sorting": {"columnName": "reference", "order": "asc"},
                            "filter": filter}),
                )
                .await;
            assert_eq!(status, 200, "{path}: {v}");
            let got = v["items"].as_array().cloned().unwrap_or_default();
            let short = (got.len() as u64) < page_size;
            items.extend(got);
            if short || page >= v["totalPages"].as_u64().unwrap_or(0) {
                break;
            }
            page += 1;
        }
        items
    }

    async fn create(&self, body: &Value) -> (StatusCode, Value) {
        self.post("/api/v1/invoices/salesinvoiceservices", body)
            .await
    }

    async fn received(&self) -> Vec<Value> {
        self.hook("invoices")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn refs(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i["reference"].as_str().map(str::to_string))
        .collect()
}

/// A valid service: the fixed contract's owner and relation, two lines.
fn service(external: &str) -> Value {
    json!({
        "externalIdentifier": external,
        "salesContractReference": "CON-00001",
        "ownerReference": "OWN-0001",
        "relationReference": "REL-000001",
        "supplyDate": "2026-11-30",
        "paymentMethod": 2,
        "lines": [
            {"description": "Huur kantoorruimte december", "numberOfItems": 1,
             "serviceItemName": "Huur kantoorruimte per maand", "realEstateObjectReference": null,
             "ledgerAccountCode": "8000", "amountExclPerItem": 1250.00, "amountExcl": 1250.00,
             "amountVAT": 262.50, "amountIncl": 1512.50},
            {"description": "Schoonmaak", "numberOfItems": 3,
             "serviceItemName": "Schoonmaak per uur", "realEstateObjectReference": null,
             "ledgerAccountCode": null, "amountExclPerItem": 33.3333, "amountExcl": 100.00,
             "amountVAT": 21.00, "amountIncl": 121.00}
        ]
    })
}

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = value;
    }
    v
}

fn without(mut v: Value, member: &str) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.remove(member);
    }
    v
}

// ---------------------------------------------------------------------------------------------
// token

#[tokio::test]
async fn a_token_is_issued_for_the_key_and_secret_for_24_hours_and_refused_otherwise() {
    let env = start().await;
    let before = Utc::now();
    let (status, v) = env
        .authorize(json!({"apiKey": KEY, "apiSecret": SECRET}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["token"].as_str().is_some_and(|t| t.len() >= 32), "{v}");
    let expiration: DateTime<Utc> = v["expiration"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an expiration");
    let hours = (expiration - before).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");

    let (status, v) = env
        .authorize(json!({"apiKey": KEY, "apiSecret": "wrong"}))
        .await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["title"], "The authorization token can't be created.");
    let (status, v) = env
        .authorize(json!({"apiKey": "unknown", "apiSecret": SECRET}))
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = env.authorize(json!({"apiSecret": SECRET})).await;
    assert_eq!(status, 400);
    assert_eq!(v["errors"]["apiKey"][0], "The ApiKey field is required.");

    for token in ["", "not-a-token"] {
        let (status, v) = env
            .post_with(token, "/api/v1/relations/owners/filter", &json!({}))
            .await;
        assert_eq!(status, 401, "{v}");
        assert_eq!(v["status"], 401);
    }
    let r = env
        .http
        .post(env.url("/api/v1/relations/owners/filter"))
        .json(&json!({}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 401, "no Authorization header at all");
}

#[tokio::test]
async fn a_user_without_api_rights_gets_a_token_and_then_403_on_every_call() {
    let env = start().await;
    let (status, v) = env
        .authorize(json!({"apiKey": "norights-bloxs-key", "apiSecret": SECRET}))
        .await;
    assert_eq!(status, 200, "{v}");
    let token = v["token"].as_str().unwrap_or_default().to_string();
    let (status, v) = env
        .post_with(&token, "/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 403, "{v}");
}

#[tokio::test]
async fn a_token_stops_working_after_its_lifetime_and_when_the_hook_expires_tokens() {
    let env = start_with(|b| b.token_ttl_secs = 0).await;
    let (status, _) = env
        .post("/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 401, "a token with no lifetime left");

    let env = start().await;
    let (status, _) = env
        .post("/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, v) = env
        .hook_post("faults", json!({"expire_tokens": true}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["tokens_expired"], 1);
    let (status, v) = env
        .post("/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 401, "{v}");
    let fresh = env.new_token().await;
    let (status, _) = env
        .post_with(&fresh, "/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 200, "a new token works again");
}

// ---------------------------------------------------------------------------------------------
// filter endpoints

#[tokio::test]
async fn persons_and_organisations_page_to_the_end_in_the_envelope() {
    let env = start().await;
    let (status, v) = env
        .post(
            "/api/v1/relations/persons/filter",
            &json!({"paging": {"pageSize": 1000, "pageNumber": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["pageSize"], 1000);
    assert_eq!(v["pageNumber"], 1);
    assert_eq!(v["totalCount"], 1800);
    assert_eq!(v["totalPages"], 2);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1000));

    let persons = env
        .all("/api/v1/relations/persons/filter", json!({}), 1000)
        .await;
    let organisations = env
        .all("/api/v1/relations/organisations/filter", json!({}), 1000)
        .await;
    assert_eq!((persons.len(), organisations.len()), (1800, 1200));
    let all: HashSet<String> = refs(&persons)
        .into_iter()
        .chain(refs(&organisations))
        .collect();
    assert_eq!(all.len(), 3000, "one reference sequence, no duplicates");
    let mut sorted = refs(&persons);
    sorted.sort();
    assert_eq!(sorted, refs(&persons), "sorted on reference ascending");
    assert!(persons.iter().all(|p| p["firstName"].is_string()
        && p["lastName"].is_string()
        && p["address"]["postalCode"].is_string()));
    assert!(organisations
        .iter()
        .all(|o| o["name"].is_string() && o["chamberOfCommerceNumber"].is_string()));
    assert!(organisations.iter().any(|o| o["vatNumber"]
        .as_str()
        .is_some_and(|v| v.starts_with("NL") && v.ends_with("B01"))));
    let inactive = persons
        .iter()
        .chain(&organisations)
        .filter(|r| r["isActive"] == false)
        .count();
    assert!((50..400).contains(&inactive), "{inactive} inactive");

    // A page after the last has no items; a small page size pages further.
    let (_, v) = env
        .post(
            "/api/v1/relations/organisations/filter",
            &json!({"paging": {"pageSize": 1000, "pageNumber": 3}}),
        )
        .await;
    assert_eq!(v["items"], json!([]));
    assert_eq!(v["totalPages"], 2);
    let small = env
        .all("/api/v1/relations/organisations/filter", json!({}), 7)
        .await;
    assert_eq!(refs(&small), refs(&organisations));
    let (_, v) = env
        .post("/api/v1/relations/organisations/filter", &json!({}))
        .await;
    assert_eq!(v["pageSize"], 100, "the default page size");
}

#[tokio::test]
async fn paging_and_sorting_outside_their_range_are_refused_on_their_path() {
    let env = start().await;
    let path = "/api/v1/relations/persons/filter";
    for (body, at) in [
        (
            json!({"paging": {"pageSize": 1001, "pageNumber": 1}}),
            "paging.pageSize",
        ),
        (json!({"paging": {"pageSize": 0}}), "paging.pageSize"),
        (json!({"paging": {"pageNumber": 0}}), "paging.pageNumber"),
        (json!({"paging": {"pageSize": "ten"}}), "paging.pageSize"),
        (
            json!({"sorting": {"columnName": "colour"}}),
            "sorting.columnName",
        ),
        (json!({"sorting": {"order": "up"}}), "sorting.order"),
        (json!({"filter": {"isActive": "yes"}}), "filter.isActive"),
    ] {
        let (status, v) = env.post(path, &body).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["title"], "One or more validation errors occurred.");
        assert!(v["errors"][at].is_array(), "{body}: {v}");
    }
    let r = env
        .http
        .post(env.url(path))
        .bearer_auth(&env.token)
        .body("{}")
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 415, "a body not declared as JSON");
}

#[tokio::test]
async fn each_filter_finds_what_it_names() {
    let env = start().await;
    let owners = env
        .all("/api/v1/relations/owners/filter", json!({}), 1000)
        .await;
    assert_eq!(owners.len(), 6);
    assert_eq!(owners[0]["name"], "Vastgoed Noord B.V.");
    assert_eq!(owners[0]["reference"], "OWN-0001");
    let inactive = env
        .all(
            "/api/v1/relations/owners/filter",
            json!({"isActive": false}),
            1000,
        )
        .await;
    assert_eq!(refs(&inactive), ["OWN-0006"]);
    let noord = env
        .all(
            "/api/v1/relations/owners/filter",
            json!({"name": "noord"}),
            1000,
        )
        .await;
    assert_eq!(refs(&noord), ["OWN-0001"]);

    let sanne = env
        .all(
            "/api/v1/relations/persons/filter",
            json!({"name": "sanne bakker"}),
            1000,
        )
        .await;
    assert!(
        refs(&sanne).contains(&"REL-000002".to_string()),
        "{sanne:?}"
    );
    let one = env
        .all(
            "/api/v1/relations/organisations/filter",
            json!({"reference": "REL-000001"}),
            1000,
        )
        .await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["name"], "Huisartsenpraktijk Noorderpoort");
    let archived = env
        .all(
            "/api/v1/relations/organisations/filter",
            json!({"isActive": false}),
            1000,
        )
        .await;
    assert!(refs(&archived).contains(&"REL-000003".to_string()));
    assert!(archived.iter().all(|r| r["isActive"] == false));
    let by_mail = env
        .all(
            "/api/v1/relations/organisations/filter",
            json!({"email": "noorderpoort"}),
            1000,
        )
        .await;
    assert_eq!(refs(&by_mail), ["REL-000001"]);
    let recent = env
        .all(
            "/api/v1/relations/persons/filter",
            json!({"lastModified": {"from": "2026-01-01", "to": "2026-12-31"}}),
            1000,
        )
        .await;
    assert!(!recent.is_empty() && recent.len() < 1800);
    assert!(recent
        .iter()
        .all(|r| r["lastModified"].as_str().is_some_and(|t| t >= "2026")));

    let contracts = env
        .all(
            "/api/v1/contracts/general/filter",
            json!({"ownerReference": "OWN-0001", "relationReference": "REL-000001"}),
            1000,
        )
        .await;
    assert!(refs(&contracts).contains(&"CON-00001".to_string()));
    assert_eq!(
        contracts[0]["description"],
        "Huur kantoorruimte 2e verdieping"
    );
    let all_contracts = env
        .all("/api/v1/contracts/general/filter", json!({}), 1000)
        .await;
    assert_eq!(all_contracts.len(), 300);
    let of_owner = env
        .all(
            "/api/v1/contracts/general/filter",
            json!({"ownerReference": "OWN-0002"}),
            1000,
        )
        .await;
    assert!(!of_owner.is_empty());
    assert!(of_owner.iter().all(|c| c["ownerReference"] == "OWN-0002"));

    let units = env
        .all(
            "/api/v1/realestateobjects/units/filter",
            json!({"ownerReference": "OWN-0003"}),
            1000,
        )
        .await;
    assert!(!units.is_empty());
    assert!(units
        .iter()
        .all(|u| u["ownerReference"] == "OWN-0003" && u["address"]["city"].is_string()));

    let accounts = env
        .all("/api/v1/finance/ledgeraccounts/filter", json!({}), 1000)
        .await;
    assert!(accounts
        .iter()
        .any(|a| a["code"] == "8000" && a["specificForOwnerReference"].is_null()));
    let own = env
        .all(
            "/api/v1/finance/ledgeraccounts/filter",
            json!({"specificForOwnerReference": "OWN-0001"}),
            1000,
        )
        .await;
    assert_eq!(
        own.iter().map(|a| a["code"].clone()).collect::<Vec<_>>(),
        [json!("8050")]
    );

    let (_, v) = env
        .post(
            "/api/v1/relations/owners/filter",
            &json!({"sorting": {"columnName": "Reference", "order": "DESC"}}),
        )
        .await;
    assert_eq!(v["items"][0]["reference"], "OWN-0006", "sorted descending");
}

#[tokio::test]
async fn service_items_are_a_plain_list_with_amounts_at_21_9_and_0_percent() {
    let env = start().await;
    let (status, v) = env
        .get("/api/v1/invoices/salesinvoiceservices/serviceitems")
        .await;
    assert_eq!(status, 200, "{v}");
    let items = v.as_array().cloned().unwrap_or_default();
    assert!(items.len() >= 25, "{}", items.len());
    let find = |name: &str| {
        items
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let office = find("Huur kantoorruimte per maand");
    assert_eq!(office["amountExcl"], json!(1250));
    assert_eq!(office["amountVAT"], json!(262.5));
    assert_eq!(office["amountIncl"], json!(1512.5));
    assert_eq!(office["ledgerAccountCode"], "8000");
    assert_eq!(find("Huur woonruimte per maand")["amountVAT"], json!(0));
    assert_eq!(find("Water vastrecht per maand")["amountVAT"], json!(2.25));
    for name in [
        "Servicekosten",
        "Parkeerplaats per maand",
        "Schoonmaak per uur",
    ] {
        assert!(find(name).is_object(), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// create

#[tokio::test]
async fn a_service_is_accepted_with_its_reference_draft_state_totals_and_line_indexes() {
    let env = start().await;
    let (status, v) = env.create(&service("6f1c2a9e-0001")).await;
    assert_eq!(status, 200, "{v}");
    let reference = v["reference"].as_str().unwrap_or_default().to_string();
    assert!(
        reference.starts_with("SIS-") && reference.ends_with("-000001"),
        "{v}"
    );
    assert_eq!(v["workflowState"], 1, "Draft");
    assert_eq!(v["totalAmountExcl"], json!(1350));
    assert_eq!(v["totalAmountVAT"], json!(283.5));
    assert_eq!(v["totalAmountIncl"], json!(1633.5));
    assert_eq!(v["externalIdentifier"], "6f1c2a9e-0001");
    assert_eq!(v["ownerReference"], "OWN-0001");
    assert_eq!(v["salesContractReference"], "CON-00001");
    assert_eq!(v["supplyDate"], "2026-11-30");
    assert_eq!(v["paymentMethod"], 2);
    assert_eq!(v["lines"][0]["lineIndex"], 1);
    assert_eq!(v["lines"][1]["lineIndex"], 2);
    assert_eq!(v["lines"][1]["amountExclPerItem"], json!(33.3333));
    assert_eq!(
        v["lines"][1]["ledgerAccountCode"], "8110",
        "the item's ledger account when none is given"
    );

    let received = env.received().await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["reference"], json!(reference));
    assert_eq!(received[0]["body"], service("6f1c2a9e-0001"));
    assert_eq!(received[0]["detail"], v);

    let (status, second) = env.create(&service("6f1c2a9e-0002")).await;
    assert_eq!(status, 200);
    assert!(second["reference"]
        .as_str()
        .is_some_and(|r| r.ends_with("-000002")));
}

#[tokio::test]
async fn missing_amounts_are_computed_from_the_service_item() {
    let env = start().await;
    let body = json!({
        "ownerReference": "OWN-0002", "relationReference": "REL-000002", "paymentMethod": 1,
        "lines": [{"numberOfItems": 2, "serviceItemName": "Water vastrecht per maand"}]
    });
    let (status, v) = env.create(&body).await;
    assert_eq!(status, 200, "{v}");
    let line = &v["lines"][0];
    assert_eq!(line["amountExclPerItem"], json!(25));
    assert_eq!(line["amountExcl"], json!(50));
    assert_eq!(line["amountVAT"], json!(4.5));
    assert_eq!(line["amountIncl"], json!(54.5));
    assert_eq!(line["description"], "Vastrecht water");
    assert!(v["supplyDate"].is_string(), "today by default");
}

#[tokio::test]
async fn the_hook_sets_the_workflow_state_of_new_services_and_of_one_service() {
    let env = start().await;
    let (status, v) = env
        .hook_post("workflow_state", json!({"workflow_state": 7}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, v) = env.create(&service("a")).await;
    assert_eq!(v["workflowState"], 7, "Final");
    let reference = v["reference"].clone();
    let (status, _) = env
        .hook_post(
            "workflow_state",
            json!({"reference": reference, "workflow_state": 3}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, v) = env
        .get("/api/v1/invoices/salesinvoiceservices?externalIdentifier=a")
        .await;
    assert_eq!(v["workflowState"], 3, "Cancelled");
    let (status, _) = env
        .hook_post("workflow_state", json!({"workflow_state": 5}))
        .await;
    assert_eq!(status, 400, "5 is no workflow state");
}

#[tokio::test]
async fn every_rule_refuses_with_problem_details_on_its_path() {
    let env = start().await;
    let long = |n: usize| json!("x".repeat(n));
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "owner missing",
            without(service("e"), "ownerReference"),
            "ownerReference",
        ),
        (
            "owner unknown",
            with(service("e"), "/ownerReference", json!("OWN-9999")),
            "ownerReference",
        ),
        (
            "owner inactive",
            with(service("e"), "/ownerReference", json!("OWN-0006")),
            "ownerReference",
        ),
        (
            "owner too long",
            with(service("e"), "/ownerReference", long(101)),
            "ownerReference",
        ),
        (
            "relation missing",
            with(service("e"), "/relationReference", json!("")),
            "relationReference",
        ),
        (
            "relation unknown",
            with(service("e"), "/relationReference", json!("REL-999999")),
            "relationReference",
        ),
        (
            "relation archived",
            with(
                without(service("e"), "salesContractReference"),
                "/relationReference",
                json!("REL-000003"),
            ),
            "relationReference",
        ),
        (
            "contract unknown",
            with(service("e"), "/salesContractReference", json!("CON-99999")),
            "salesContractReference",
        ),
        (
            "contract of another relation",
            with(service("e"), "/relationReference", json!("REL-000002")),
            "salesContractReference",
        ),
        (
            "contract of another owner",
            with(
                with(service("e"), "/ownerReference", json!("OWN-0002")),
                "/lines/0/ledgerAccountCode",
                Value::Null,
            ),
            "salesContractReference",
        ),
        (
            "external identifier too long",
            with(service("e"), "/externalIdentifier", long(101)),
            "externalIdentifier",
        ),
        (
            "supply date",
            with(service("e"), "/supplyDate", json!("30-11-2026")),
            "supplyDate",
        ),
        (
            "payment method missing",
            without(service("e"), "paymentMethod"),
            "paymentMethod",
        ),
        (
            "payment method 3",
            with(service("e"), "/paymentMethod", json!(3)),
            "paymentMethod",
        ),
        ("no lines", with(service("e"), "/lines", json!([])), "lines"),
        ("lines missing", without(service("e"), "lines"), "lines"),
        (
            "item unknown",
            with(
                service("e"),
                "/lines/1/serviceItemName",
                json!("Huur kasteel"),
            ),
            "lines[1].serviceItemName",
        ),
        (
            "item missing",
            with(service("e"), "/lines/1/serviceItemName", Value::Null),
            "lines[1].serviceItemName",
        ),
        (
            "item too long",
            with(service("e"), "/lines/0/serviceItemName", long(257)),
            "lines[0].serviceItemName",
        ),
        (
            "description too long",
            with(service("e"), "/lines/0/description", long(513)),
            "lines[0].description",
        ),
        (
            "number not whole",
            with(service("e"), "/lines/0/numberOfItems", json!(1.5)),
            "lines[0].numberOfItems",
        ),
        (
            "number zero",
            with(service("e"), "/lines/0/numberOfItems", json!(0)),
            "lines[0].numberOfItems",
        ),
        (
            "number beyond int32",
            with(
                service("e"),
                "/lines/0/numberOfItems",
                json!(3_000_000_000u64),
            ),
            "lines[0].numberOfItems",
        ),
        (
            "object unknown",
            with(
                service("e"),
                "/lines/0/realEstateObjectReference",
                json!("UNIT-9999"),
            ),
            "lines[0].realEstateObjectReference",
        ),
        (
            "ledger account unknown",
            with(service("e"), "/lines/0/ledgerAccountCode", json!("9999")),
            "lines[0].ledgerAccountCode",
        ),
        (
            "ledger account of another owner",
            with(service("e"), "/lines/0/ledgerAccountCode", json!("8060")),
            "lines[0].ledgerAccountCode",
        ),
        (
            "excl not count × price",
            with(service("e"), "/lines/1/amountExcl", json!(100.01)),
            "lines[1].amountExcl",
        ),
        (
            "incl not excl + vat",
            with(service("e"), "/lines/0/amountIncl", json!(1512.51)),
            "lines[0].amountIncl",
        ),
        (
            "three decimals",
            with(service("e"), "/lines/0/amountVAT", json!(262.505)),
            "lines[0].amountVAT",
        ),
        (
            "five decimals per item",
            with(service("e"), "/lines/1/amountExclPerItem", json!(33.33333)),
            "lines[1].amountExclPerItem",
        ),
        (
            "amount beyond the decimal type",
            with(
                service("e"),
                "/lines/1/amountExclPerItem",
                json!(79_228_162_514_264_337_593_543_950_335u128),
            ),
            "lines[1].amountExclPerItem",
        ),
        (
            "amount as text",
            with(service("e"), "/lines/0/amountExcl", json!("1250.00")),
            "lines[0].amountExcl",
        ),
    ];
    for (what, body, at) in cases {
        let (status, v) = env.create(&body).await;
        assert_eq!(status, 400, "{what}: {v}");
        assert_eq!(v["status"], 400, "{what}");
        assert_eq!(
            v["title"], "One or more validation errors occurred.",
            "{what}"
        );
        assert!(v["traceId"].is_string(), "{what}");
        let messages = v["errors"][at].as_array().cloned().unwrap_or_default();
        assert!(
            messages
                .iter()
                .any(|m| m.as_str().is_some_and(|s| !s.is_empty())),
            "{what}: no message at {at}: {v}"
        );
    }
    assert!(env.received().await.is_empty(), "nothing refused is stored");
}

#[tokio::test]
async fn a_unit_of_another_owner_is_refused_and_one_of_the_owner_is_accepted() {
    let env = start().await;
    let units = env
        .all("/api/v1/realestateobjects/units/filter", json!({}), 1000)
        .await;
    let of = |owner: &str| {
        units
            .iter()
            .find(|u| u["ownerReference"] == owner)
            .map(|u| u["reference"].clone())
            .unwrap_or(Value::Null)
    };
    let (status, v) = env
        .create(&with(
            service("u"),
            "/lines/0/realEstateObjectReference",
            of("OWN-0002"),
        ))
        .await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["errors"]["lines[0].realEstateObjectReference"].is_array(),
        "{v}"
    );
    let (status, v) = env
        .create(&with(
            with(
                service("u"),
                "/lines/0/realEstateObjectReference",
                of("OWN-0001"),
            ),
            "/lines/0/ledgerAccountCode",
            json!("8050"),
        ))
        .await;
    assert_eq!(
        status, 200,
        "the owner's unit and the owner's own ledger account: {v}"
    );
}

#[tokio::test]
async fn all_errors_of_one_request_come_back_together() {
    let env = start().await;
    let body = json!({
        "ownerReference": "OWN-9999", "relationReference": "REL-000001", "paymentMethod": 9,
        "lines": [
            {"numberOfItems": 1, "serviceItemName": "Servicekosten", "amountExclPerItem": 125,
             "amountExcl": 125, "amountVAT": 26.25, "amountIncl": 151.25},
            {"numberOfItems": 1, "serviceItemName": "Onbekend"}
        ]
    });
    let (status, v) = env.create(&body).await;
    assert_eq!(status, 400);
    let mut paths: Vec<String> = v["errors"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    paths.sort();
    assert_eq!(
        paths,
        [
            "lines[1].serviceItemName",
            "ownerReference",
            "paymentMethod"
        ]
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_before_anything_is_read() {
    let env = start().await;
    let r = env
        .http
        .post(env.url("/api/v1/invoices/salesinvoiceservices"))
        .bearer_auth(&env.token)
        .header("Content-Type", "application/json")
        .body("{\"ownerReference\": ")
        .send()
        .await
        .expect("an answer");
    let (status, v) = answer(r).await;
    assert_eq!(status, 400);
    assert!(v["errors"]["$"].is_array(), "{v}");
    let r = env
        .http
        .post(env.url("/api/v1/invoices/salesinvoiceservices"))
        .bearer_auth(&env.token)
        .body(service("x").to_string())
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 415);
    assert!(env.received().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// look-up

#[tokio::test]
async fn a_service_is_found_by_its_external_identifier_or_reference_and_404_otherwise() {
    let env = start().await;
    let id = "0b9f6a52-5a2e-4f27-9a53-7cbd0d3c1e11";
    let (_, created) = env.create(&service(id)).await;
    let (status, v) = env
        .get(&format!(
            "/api/v1/invoices/salesinvoiceservices?externalIdentifier={id}"
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v, created);
    let reference = created["reference"].as_str().unwrap_or_default();
    let (status, v) = env
        .get(&format!(
            "/api/v1/invoices/salesinvoiceservices?reference={reference}"
        ))
        .await;
    assert_eq!((status, &v), (StatusCode::OK, &created));
    let (status, v) = env
        .get("/api/v1/invoices/salesinvoiceservices?externalIdentifier=never-sent")
        .await;
    assert_eq!(status, 404, "{v}");
    assert_eq!(v["status"], 404);
    let (status, _) = env
        .get(&format!(
            "/api/v1/invoices/salesinvoiceservices?reference={reference}&externalIdentifier=other"
        ))
        .await;
    assert_eq!(status, 404, "both given must match the same one");
    let (status, _) = env.get("/api/v1/invoices/salesinvoiceservices").await;
    assert_eq!(status, 400);
}

// ---------------------------------------------------------------------------------------------
// faults

#[tokio::test]
async fn injected_failures_are_problem_details_and_429_and_503_carry_retry_after() {
    let env = start().await;
    for status in [500u16, 502, 503, 429] {
        let (s, v) = env
            .hook_post(
                "faults",
                json!({"fail_next": 1, "status": status, "retry_after_secs": 3}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let r = env
            .http
            .post(env.url("/api/v1/relations/owners/filter"))
            .bearer_auth(&env.token)
            .json(&json!({}))
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status().as_u16(), status);
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (_, v) = answer(r).await;
        assert_eq!(v["status"], status, "{v}");
        if status == 429 || status == 503 {
            assert_eq!(retry.as_deref(), Some("3"), "{status}");
        }
    }
    let (status, _) = env
        .post("/api/v1/relations/owners/filter", &json!({}))
        .await;
    assert_eq!(status, 200, "one failure each, then served again");
    assert!(env.received().await.is_empty());
}

#[tokio::test]
async fn a_dropped_or_failed_answer_after_store_leaves_the_service_to_be_found() {
    let env = start().await;
    env.hook_post("faults", json!({"drop_after_store": 1}))
        .await;
    let r = env
        .http
        .post(env.url("/api/v1/invoices/salesinvoiceservices"))
        .bearer_auth(&env.token)
        .json(&service("dropped"))
        .send()
        .await;
    let cut = match r {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(cut, "the connection was cut");
    let (status, v) = env
        .get("/api/v1/invoices/salesinvoiceservices?externalIdentifier=dropped")
        .await;
    assert_eq!(status, 200, "stored before the cut: {v}");

    env.hook_post(
        "faults",
        json!({"fail_after_store": 1, "after_store_status": 504}),
    )
    .await;
    let (status, v) = env.create(&service("failed")).await;
    assert_eq!(status, 504, "{v}");
    let (status, _) = env
        .get("/api/v1/invoices/salesinvoiceservices?externalIdentifier=failed")
        .await;
    assert_eq!(status, 200, "stored before the failure");
    assert_eq!(env.received().await.len(), 2);
}

#[tokio::test]
async fn a_slow_create_that_the_client_gives_up_on_is_still_stored() {
    let env = start().await;
    env.hook_post("faults", json!({"work_delay_ms": 1500}))
        .await;
    let r = env
        .http
        .post(env.url("/api/v1/invoices/salesinvoiceservices"))
        .bearer_auth(&env.token)
        .timeout(Duration::from_millis(100))
        .json(&service("slow"))
        .send()
        .await;
    assert!(r.is_err(), "the client gave up");
    // Await the condition: the service shows up once the work is done.
    let mut found = false;
    for _ in 0..600 {
        if !env.received().await.is_empty() {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "stored after the client gave up");
    let (s, v) = env.hook_post("faults", json!({"delay_ms": 10})).await;
    assert_eq!(s, 200);
    assert_eq!(v["delay_ms"], 10, "slow answers are a setting too");
}

#[tokio::test]
async fn the_request_log_names_bloxs_and_the_stats_count_the_data() {
    let env = start().await;
    env.post("/api/v1/relations/owners/filter", &json!({}))
        .await;
    let log = answer(
        env.http
            .get(format!("{}/__sandbox/log", env.sb.base_url()))
            .send()
            .await
            .expect("an answer"),
    )
    .await
    .1;
    assert!(log.as_array().is_some_and(|l| l
        .iter()
        .any(|e| e["system"] == "bloxs" && e["path"] == "/bloxs/api/v1/relations/owners/filter")));
    let stats = env.hook("stats").await;
    assert_eq!(stats["owners"], 6);
    assert_eq!(
        stats["persons"].as_u64().unwrap_or(0) + stats["inactive_persons"].as_u64().unwrap_or(0),
        1800
    );
    assert_eq!(stats["valid_tokens"], 1);
}

#[tokio::test]
async fn the_mutate_hook_adds_renames_and_archives_relations_and_stamps_them_as_modified() {
    let env = start().await;
    let since = (Utc::now() - chrono::Duration::seconds(5))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, v) = env
        .hook_post(
            "mutate",
            json!({"entity": "organisations", "action": "create", "count": 2,
                   "fields": {"name": "Kinderopvang De Vlinder B.V."}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["count"], 2);
    assert_eq!(v["records"][0]["reference"], "REL-003001");
    assert_eq!(v["records"][0]["name"], "Kinderopvang De Vlinder B.V.");
    let (status, v) = env
        .hook_post(
            "mutate",
            json!({"entity": "persons", "action": "update", "id": "REL-000002",
                   "fields": {"lastName": "de Boer"}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["records"][0]["lastName"], "de Boer");
    let (status, v) = env
        .hook_post(
            "mutate",
            json!({"entity": "organisations", "action": "archive", "id": "REL-000001"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");

    let changed = env
        .all(
            "/api/v1/relations/organisations/filter",
            json!({"lastModified": {"from": since}}),
            1000,
        )
        .await;
    let changed = refs(&changed);
    assert_eq!(changed.len(), 3, "only what the hook changed: {changed:?}");
    for r in ["REL-000001", "REL-003001", "REL-003002"] {
        assert!(changed.contains(&r.to_string()), "{r} in {changed:?}");
    }
    let (status, v) = env.create(&service("after-archive")).await;
    assert_eq!(status, 400);
    assert!(v["errors"]["relationReference"].is_array(), "{v}");

    for bad in [
        json!({"entity": "owners", "action": "create"}),
        json!({"entity": "persons", "action": "update", "id": "REL-000001"}),
        json!({"entity": "persons", "action": "update", "id": "REL-000002", "fields": {"name": "X"}}),
        json!({"entity": "persons", "action": "delete", "id": "REL-000002"}),
    ] {
        let (status, v) = env.hook_post("mutate", bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }
}

#[tokio::test]
async fn services_are_listed_by_the_filter_call_on_their_identifier_owner_and_supply_date() {
    let env = start().await;
    env.create(&service("first")).await;
    env.create(&with(service("second"), "/supplyDate", json!("2026-12-15")))
        .await;
    let path = "/api/v1/invoices/salesinvoiceservices/filter";
    let by_id = env
        .all(path, json!({"externalIdentifier": "second"}), 1000)
        .await;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0]["supplyDate"], "2026-12-15");
    assert_eq!(by_id[0]["workflowState"], 1);
    let december = env
        .all(
            path,
            json!({"ownerReference": "OWN-0001", "supplyDate": {"from": "2026-12-01", "to": "2026-12-31"}}),
            1000,
        )
        .await;
    assert_eq!(
        december
            .iter()
            .map(|s| s["externalIdentifier"].clone())
            .collect::<Vec<_>>(),
        [json!("second")]
    );
    assert_eq!(
        env.all(path, json!({}), 1).await.len(),
        2,
        "paged one by one"
    );
    let none = env
        .all(path, json!({"ownerReference": "OWN-0002"}), 1000)
        .await;
    assert!(none.is_empty());
}
