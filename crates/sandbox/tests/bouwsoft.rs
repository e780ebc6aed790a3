//! The Visma Bouwsoft stand-in over real HTTP: the access token and its ServerName, the sales
//! invoice list with its paging, sort and filter, one invoice and its texts, the documented odd
//! values, each status code, token expiry and the kit's faults.

use invoice_desk_sandbox::bouwsoft::{DEMO_CLIENT_NR, DEMO_REFRESH_TOKEN};
use invoice_desk_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

struct Env {
    sb: Sandbox,
    http: Client,
    token: String,
    data: String,
}

async fn start() -> Env {
    let sb = Sandbox::start(
        "127.0.0.1:0".parse().expect("an address"),
        SandboxConfig {
            seed: 5,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("the sandbox starts");
    let http = Client::new();
    let (token, server) = token(&http, &sb).await;
    Env {
        data: format!("http://{server}/api/v1"),
        sb,
        http,
        token,
    }
}

async fn token(http: &Client, sb: &Sandbox) -> (String, String) {
    let resp = http
        .get(format!(
            "{}/api/v1/Authorize/AccessToken",
            sb.bouwsoft_base_url()
        ))
        .header("Clientnr", DEMO_CLIENT_NR)
        .header("RefreshToken", DEMO_REFRESH_TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.expect("json");
    (
        v["AccessToken"].as_str().expect("a token").to_string(),
        v["ServerName"].as_str().expect("a server").to_string(),
    )
}

/// Reads a body the way a tolerant client does: en dashes outside strings become minus signs.
fn lenient(text: &str) -> Value {
    let mut out = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            out.push(c);
        } else if c == '\u{2013}' {
            out.push('-');
        } else {
            if c == '"' {
                quoted = true;
            }
            out.push(c);
        }
    }
    serde_json::from_str(&out).expect("JSON once the dashes are read")
}

impl Env {
    async fn get(&self, path_query: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path_query}", self.data))
            .header("Clientnr", DEMO_CLIENT_NR)
            .header("AccessToken", &self.token)
            .send()
            .await
            .expect("an answer");
        let status = resp.status();
        (status, resp.text().await.expect("a body"))
    }

    async fn list(&self, query: &str) -> Value {
        let (status, body) = self.get(&format!("/SalesInvoices?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        lenient(&body)
    }
}

fn range(v: &Value) -> (u64, u64, u64) {
    let r = v["Content-Range"]
        .as_str()
        .expect("a range")
        .replace('\u{2013}', "-");
    let (span, total) = r.split_once('/').expect("a total");
    let (a, b) = span.split_once('-').expect("a span");
    (
        a.parse().expect("first"),
        b.parse().expect("last"),
        total.parse().expect("total"),
    )
}

#[tokio::test]
async fn the_access_token_names_a_data_server_on_this_computer_valid_until_a_minute() {
    let env = start().await;
    let resp = env
        .http
        .get(format!(
            "{}/api/v1/Authorize/AccessToken",
            env.sb.bouwsoft_base_url()
        ))
        .header("Clientnr", DEMO_CLIENT_NR)
        .header("RefreshToken", DEMO_REFRESH_TOKEN)
        .send()
        .await
        .expect("an answer");
    let v: Value = resp.json().await.expect("json");
    let server = v["ServerName"].as_str().expect("a server name");
    assert_eq!(
        server,
        format!("{}/bouwsoft/osiris", env.sb.addr()),
        "the data server"
    );
    let until = v["ValidUntil"].as_str().expect("valid until");
    assert_eq!(until.len(), "2017-09-05T15:01Z".len(), "{until}");
    assert!(until.ends_with('Z'));
    assert_eq!(v["Layout"], "B");
}

#[tokio::test]
async fn a_wrong_refresh_token_or_a_missing_access_token_is_401() {
    let env = start().await;
    let resp = env
        .http
        .get(format!(
            "{}/api/v1/Authorize/AccessToken",
            env.sb.bouwsoft_base_url()
        ))
        .header("Clientnr", DEMO_CLIENT_NR)
        .header("RefreshToken", "wrong")
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = env
        .http
        .get(format!("{}/SalesInvoices", env.data))
        .header("Clientnr", DEMO_CLIENT_NR)
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_list_pages_with_limit_and_offset_to_more_than_three_thousand_invoices() {
    let env = start().await;
    let mut offset = 0;
    let mut ids = std::collections::HashSet::new();
    let mut dashed_range = false;
    loop {
        let (status, body) = env
            .get(&format!("/SalesInvoices?limit=700&offset={offset}&sort=id"))
            .await;
        assert_eq!(status, StatusCode::OK);
        dashed_range |= body.contains("0\u{2013}");
        let v = lenient(&body);
        let records = v["Records"].as_array().expect("records");
        if records.is_empty() {
            break;
        }
        let (first, last, total) = range(&v);
        assert_eq!(first, offset as u64);
        assert_eq!(last - first + 1, records.len() as u64);
        assert!(total >= 3000);
        for r in records {
            assert!(ids.insert(r["id"].as_u64().expect("an id")));
        }
        offset += records.len();
    }
    assert!(ids.len() >= 3000, "{}", ids.len());
    assert!(dashed_range, "some ranges are written with an en dash");
}

#[tokio::test]
async fn the_records_carry_the_documented_odd_values() {
    let env = start().await;
    let (_, body) = env.get("/SalesInvoices?limit=1000&sort=id desc").await;
    assert!(body.contains("\u{2013}"), "en dashes");
    assert!(
        body.contains(": \u{2013}") || body.contains(":\u{2013}"),
        "a negative amount with an en dash and no quotes"
    );
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "not plain JSON"
    );
    let v = lenient(&body);
    let records = v["Records"].as_array().expect("records");
    let has = |f: &dyn Fn(&Value) -> bool| records.iter().any(f);
    assert!(has(&|r| r["date"]
        .as_str()
        .is_some_and(|d| d.contains('\u{2013}'))));
    assert!(has(&|r| r["expirationdate"] == ""));
    assert!(has(&|r| r["pricedecimals"] == 3));
    assert!(has(&|r| r["vatcocontractor2"] == true
        && r["basis2"].to_string().trim_start_matches('-')
            != "0.000000000000000"));
    assert!(
        has(&|r| r["vatamount"].to_string().len() > 15),
        "long floats"
    );
    assert!(has(&|r| r["einvoice_sent"] == true));
    assert!(has(&|r| r["senttoaccountingsoftware"] == true));
    for r in records {
        for n in 1..=5 {
            assert!(r.get(format!("vatcode{n}")).is_some());
        }
    }
}

#[tokio::test]
async fn the_list_sorts_and_filters_on_number_customer_project_and_date() {
    let env = start().await;
    let v = env
        .list(
            "limit=5&sort=amountinclvat desc&filter=date ge '2021-01-01' and date le '2021-12-31'",
        )
        .await;
    let (_, _, total) = range(&v);
    assert!(total > 100 && total < 1000, "{total}");
    let records = v["Records"].as_array().expect("records");
    for r in records {
        let d = r["date"].as_str().expect("a date").replace('\u{2013}', "-");
        assert!(d.starts_with("2021-"), "{d}");
    }
    let amounts: Vec<f64> = records
        .iter()
        .map(|r| r["amountinclvat"].as_f64().expect("an amount"))
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");

    let first = &records[0];
    let name = first["address_name"].as_str().expect("a name");
    let v = env
        .list(&format!(
            "limit=1000&filter=address_name like '%{}%'",
            name.replace('\'', "''")
        ))
        .await;
    assert!(v["Records"]
        .as_array()
        .expect("records")
        .iter()
        .all(|r| r["address_name"] == name));
    let nr = first["nr"].as_u64().expect("a number");
    let v = env.list(&format!("filter=nr eq {nr}")).await;
    assert_eq!(range(&v).2, 1);
    let v = env
        .list("limit=1000&filter=(project_name like '%badkamer%' or nr eq 1)")
        .await;
    assert!(v["Records"]
        .as_array()
        .expect("records")
        .iter()
        .all(|r| r["project_name"]
            .as_str()
            .is_some_and(|p| p.to_lowercase().contains("badkamer"))));
}

#[tokio::test]
async fn a_bad_query_is_400_and_an_unknown_invoice_404() {
    let env = start().await;
    for q in [
        "limit=0",
        "limit=abc",
        "offset=-1",
        "sort=colour",
        "filter=colour eq 'red'",
        "filter=nr eq",
    ] {
        let (status, body) = env.get(&format!("/SalesInvoices?{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert!(body.contains("\"error\""));
    }
    assert_eq!(
        env.get("/SalesInvoices/abc").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.get("/SalesInvoices/99999999").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get("/SalesInvoices/24/footer_html").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn one_invoice_and_its_texts_in_three_formats() {
    let env = start().await;
    let (status, body) = env.get("/SalesInvoices/25").await;
    assert_eq!(status, StatusCode::OK);
    let v = lenient(&body);
    assert_eq!(range(&v), (0, 0, 1));
    assert_eq!(v["Records"][0]["id"], 25);
    let (_, html) = env.get("/SalesInvoices/25/introduction_html").await;
    assert!(html.starts_with("<HTML><BODY>"));
    assert!(html.contains("<SCRIPT>") && html.contains("https://tracker.example.com"));
    let (_, plain) = env.get("/SalesInvoices/25/introduction_plain").await;
    assert!(plain.starts_with("Geachte "));
    let (_, rtf) = env.get("/SalesInvoices/25/conclusion_rtf").await;
    assert!(rtf.starts_with("{\\rtf1"));
}

#[tokio::test]
async fn expired_tokens_are_401_and_injected_faults_answer_500() {
    let env = start().await;
    let hook = format!("{}/__sandbox/bouwsoft/faults", env.sb.base_url());
    let v: Value = env
        .http
        .post(&hook)
        .json(&json!({"expire_tokens": true}))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("json");
    assert_eq!(v["tokens_expired"], 1);
    let stored: Value = env
        .http
        .get(format!("{}/__sandbox/bouwsoft/invoices", env.sb.base_url()))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("json");
    assert_eq!(stored, json!([]), "nothing is stored");
    assert_eq!(env.get("/SalesInvoices").await.0, StatusCode::UNAUTHORIZED);

    let (token, server) = token(&env.http, &env.sb).await;
    let env = Env {
        token,
        data: format!("http://{server}/api/v1"),
        ..env
    };
    env.http
        .post(&hook)
        .json(&json!({"fail_next": 1, "status": 500}))
        .send()
        .await
        .expect("an answer");
    let (status, body) = env.get("/SalesInvoices").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("\"error\""));
    assert_eq!(env.get("/SalesInvoices?limit=1").await.0, StatusCode::OK);
}
