//! What a misbehaving network or server can do to the app, and what the clerk is told:
//! answers without end, lists that never end or repeat themselves, and the difference between
//! "the system does not answer" and "this address is wrong".
//!
//! Most servers here are a few lines over a TCP listener on 127.0.0.1, so that they can do
//! what no stand-in does on purpose (send forever, ignore `skip`).

mod common;

use common::*;
use invoice_desk_backends::http::{Http, Safety, MAX_BODY_BYTES};
use invoice_desk_backends::ratelimit::RateLimits;
use invoice_desk_backends::{
    AfasAuth, AfasClient, AfasConfig, Secret, SilvasoftClient, SilvasoftConfig,
};
use invoice_desk_core::backend::{Backend, Lookup, Product, Relation, RelationKind};
use invoice_desk_core::backend::{InvoiceWriter, LookupSource};
use invoice_desk_core::error::{Error, ErrorCode};
use invoice_desk_core::totals::PriceBasis;
use reqwest::Method;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- a tiny HTTP server ----------------------------------------------------------------------

/// One request as the tiny server saw it.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
}

impl Req {
    fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

enum Body {
    Json(Value),
    Text(&'static str, String),
    /// Bytes without end, delimited by closing the connection (no length).
    Endless,
    /// Announces a gigabyte, then sends without end.
    Huge,
}

struct Resp {
    status: u16,
    body: Body,
}

fn ok(v: Value) -> Resp {
    Resp {
        status: 200,
        body: Body::Json(v),
    }
}

/// Serves `answer` on 127.0.0.1, one request per connection. Returns the address and the
/// number of requests served so far.
async fn serve(
    answer: impl Fn(&Req) -> Resp + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut s).await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let resp = answer(&req);
                write_response(&mut s, resp).await;
            });
        }
    });
    (addr, count)
}

async fn read_request(s: &mut tokio::net::TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut first = head.lines().next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Req {
        method,
        path: path.to_string(),
        query: query.to_string(),
    })
}

async fn write_response(s: &mut tokio::net::TcpStream, resp: Resp) {
    let head = |ct: &str, len: Option<u64>| {
        let mut h = format!(
            "HTTP/1.1 {} X\r\nContent-Type: {ct}\r\nConnection: close\r\n",
            resp.status
        );
        if let Some(l) = len {
            h.push_str(&format!("Content-Length: {l}\r\n"));
        }
        h.push_str("\r\n");
        h
    };
    match resp.body {
        Body::Json(v) => {
            let b = serde_json::to_vec(&v).unwrap();
            let _ = s
                .write_all(head("application/json", Some(b.len() as u64)).as_bytes())
                .await;
            let _ = s.write_all(&b).await;
        }
        Body::Text(ct, t) => {
            let _ = s.write_all(head(ct, Some(t.len() as u64)).as_bytes()).await;
            let _ = s.write_all(t.as_bytes()).await;
        }
        Body::Endless | Body::Huge => {
            let len = matches!(resp.body, Body::Huge).then_some(1u64 << 30);
            if s.write_all(head("application/json", len).as_bytes())
                .await
                .is_err()
            {
                return;
            }
            let block = vec![b' '; 64 * 1024];
            // Until the client hangs up.
            while s.write_all(&block).await.is_ok() {}
        }
    }
    let _ = s.shutdown().await;
}

/// A client with short timeouts: nothing here should need them, and a mistake fails fast.
fn http(system: &'static str) -> Http {
    Http::with_timeouts(system, Duration::from_secs(5), Duration::from_secs(30)).unwrap()
}

fn says(e: &Error, en: &str, nl: &str) {
    assert!(
        e.message.en.contains(en),
        "English message {:?} lacks {en:?}",
        e.message.en
    );
    assert!(
        e.message.nl.contains(nl),
        "Dutch message {:?} lacks {nl:?}",
        e.message.nl
    );
}

// ---- answers without end -----------------------------------------------------------------

#[tokio::test]
async fn an_endless_answer_to_a_read_is_cut_off_at_the_cap_as_a_bad_response() {
    let (addr, _) = serve(|_| Resp {
        status: 200,
        body: Body::Endless,
    })
    .await;
    let http = http("AFAS SB");
    let url = format!("http://{addr}/env/api/persons");
    let e = http
        .send(http.request(Method::GET, &url), Safety::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
    says(
        &e,
        "larger than the app reads",
        "groter is dan de app leest",
    );
    let detail = e.detail.unwrap_or_default();
    assert!(
        detail.contains(&MAX_BODY_BYTES.to_string()),
        "the detail names the cap: {detail}"
    );
}

#[tokio::test]
async fn an_endless_answer_to_a_create_is_uncertain_not_failed() {
    let (addr, _) = serve(|_| Resp {
        status: 201,
        body: Body::Endless,
    })
    .await;
    let http = http("AFAS SB");
    let url = format!("http://{addr}/env/api/salesinvoice");
    let e = http
        .send(
            http.request(Method::POST, &url).body("{}"),
            Safety::NotIdempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Uncertain, "{e:?}");
    says(&e, "may have been processed", "kan zijn verwerkt");
}

#[tokio::test]
async fn an_answer_announced_larger_than_the_cap_is_not_read() {
    let (addr, _) = serve(|_| Resp {
        status: 200,
        body: Body::Huge,
    })
    .await;
    let http = http("Silvasoft").with_body_limit(64 * 1024);
    let url = format!("http://{addr}/rest/listrelations/");
    let e = http
        .send(http.request(Method::GET, &url), Safety::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
}

#[tokio::test]
async fn an_answer_up_to_the_cap_is_read_whole() {
    let text = "x".repeat(1000);
    let (addr, _) = serve(move |_| Resp {
        status: 200,
        body: Body::Text("text/plain", text.clone()),
    })
    .await;
    let url = format!("http://{addr}/");
    let http = http("Silvasoft").with_body_limit(1000);
    let reply = http
        .send(http.request(Method::GET, &url), Safety::Idempotent)
        .await
        .unwrap();
    assert_eq!(reply.body.len(), 1000);
    let http = http.with_body_limit(999);
    let e = http
        .send(http.request(Method::GET, &url), Safety::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
}

#[tokio::test]
async fn an_endless_error_page_on_a_read_keeps_its_status() {
    let (addr, _) = serve(|_| Resp {
        status: 503,
        body: Body::Endless,
    })
    .await;
    let http = http("AFAS SB").with_body_limit(256 * 1024);
    let url = format!("http://{addr}/env/api/persons");
    let reply = http
        .send(http.request(Method::GET, &url), Safety::Idempotent)
        .await
        .unwrap();
    assert_eq!(reply.status.as_u16(), 503);
    assert_eq!(reply.body.len(), 256 * 1024, "only the head is kept");
    let e = http.read_status_error(&reply);
    assert_eq!(e.code, ErrorCode::ServerError);
    says(&e, "does not answer", "antwoordt op dit moment niet");
}

// ---- lists that never end ----------------------------------------------------------------

/// An AFAS SB environment at `/env` whose token endpoint works and whose lists are `list`.
async fn afas_server(
    list: impl Fn(&Req) -> Resp + Send + Sync + 'static,
) -> (AfasClient, Arc<AtomicUsize>) {
    let (addr, count) = serve(move |r| {
        if r.path.ends_with("/authentication/getaccesstoken") {
            return ok(json!({"access_token": "t", "expires_in": 600}));
        }
        list(r)
    })
    .await;
    let client = AfasClient::with_http(
        AfasConfig {
            base_url: format!("http://{addr}/env"),
            auth: AfasAuth::AppToken(Secret::new("app-token")),
        },
        http("AFAS SB"),
    )
    .unwrap();
    (client, count)
}

fn afas_rows(from: usize, n: usize) -> Value {
    let rows: Vec<Value> = (from..from + n)
        .map(|i| json!({"Id": format!("p{i}"), "Name": format!("Person {i}")}))
        .collect();
    json!({ "Result": rows })
}

/// Runs a relation sync the way the core does (trusting `done`), but gives up after `max`
/// pages so that a test of a bound that does not hold ends.
async fn sync_relations_until_error<B: invoice_desk_core::backend::LookupSource>(
    b: &B,
    max: usize,
) -> (usize, Error) {
    let mut cursor: Option<String> = None;
    for page_no in 0..max {
        match b.sync_relations("", cursor.as_deref()).await {
            Ok(p) => {
                assert!(!p.done, "the server never says it is done");
                cursor = Some(p.cursor);
            }
            Err(e) => return (page_no, e),
        }
    }
    panic!("still paging after {max} pages");
}

#[tokio::test]
async fn afas_a_server_that_ignores_skip_stops_the_sync_at_the_second_page() {
    // Always the same full page of persons, whatever `skip` says.
    let (client, count) = afas_server(|_| ok(afas_rows(0, 3))).await;
    let client = client.with_page_size(3);
    let (pages, e) = sync_relations_until_error(&client, 50).await;
    assert_eq!(pages, 1, "the first page is taken, the repeat is not");
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
    says(&e, "same page of persons", "dezelfde pagina met personen");
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "token, page, repeated page"
    );
}

#[tokio::test]
async fn afas_a_server_that_never_says_done_stops_at_the_page_cap() {
    // Every page is full and new: the list never ends.
    let (client, count) = afas_server(|r| {
        let skip: usize = r.param("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
        ok(afas_rows(skip, 2))
    })
    .await;
    let client = client.with_page_size(2).with_page_limit(25);
    let (pages, e) = sync_relations_until_error(&client, 100).await;
    assert_eq!(
        pages, 24,
        "24 pages are taken; the 25th would need yet another"
    );
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
    says(&e, "after 25 pages", "na 25 pagina's");
    assert_eq!(count.load(Ordering::SeqCst), 1 + 25);
}

#[test]
fn the_default_page_cap_allows_a_million_rows() {
    assert!(invoice_desk_backends::paging::MAX_PAGES_PER_PASS as u64 * 500 >= 1_000_000);
}

#[tokio::test]
async fn afas_administrations_and_addresses_stop_on_a_repeated_page() {
    let (client, count) = afas_server(|r| {
        if r.path.ends_with("/administrations") {
            ok(json!([{"Id": "A", "Description": "A"}, {"Id": "B", "Description": "B"}]))
        } else {
            ok(json!([{"Id": "x1", "RelationId": "p1"}, {"Id": "x2", "RelationId": "p1"}]))
        }
    })
    .await;
    let client = client.with_page_size(2);
    let e = client.administrations().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
    says(
        &e,
        "same page of administrations",
        "pagina met administraties",
    );
    let relation = Relation {
        id: "p1".into(),
        kind: RelationKind::Person,
        name: "P".into(),
        number: None,
        email: None,
        city: None,
        vat_number: None,
        archived: false,
    };
    let e = client.addresses("A", &relation).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
    says(&e, "same page of addresses", "pagina met adressen");
    assert_eq!(count.load(Ordering::SeqCst), 1 + 2 + 2);
}

async fn silvasoft_server(
    answer: impl Fn(&Req) -> Resp + Send + Sync + 'static,
) -> (SilvasoftClient, Arc<AtomicUsize>) {
    let (addr, count) = serve(answer).await;
    let client = SilvasoftClient::with_http(
        SilvasoftConfig {
            base_url: format!("http://{addr}"),
            username: "api@example.nl".into(),
            api_key: Secret::new("key"),
            ..SilvasoftConfig::default()
        },
        http("Silvasoft"),
    )
    .unwrap()
    .with_rate_limits(RateLimits::unlimited());
    (client, count)
}

fn silvasoft_relations(from: usize, n: usize) -> Value {
    Value::Array(
        (from..from + n)
            .map(|i| json!({"RelationGUID": format!("g{i}"), "Name": format!("Klant {i}")}))
            .collect(),
    )
}

#[tokio::test]
async fn silvasoft_a_server_that_ignores_the_offset_stops_the_relation_sync() {
    let (client, count) = silvasoft_server(|_| ok(silvasoft_relations(0, 4))).await;
    let client = client.with_page_size(4);
    let (pages, e) = sync_relations_until_error(&client, 50).await;
    assert_eq!(pages, 1);
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
    says(&e, "same page of relations", "dezelfde pagina met relaties");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn silvasoft_a_product_list_that_never_ends_stops_at_the_page_cap() {
    let (client, count) = silvasoft_server(|r| {
        let offset: usize = r.param("Offset").and_then(|s| s.parse().ok()).unwrap_or(0);
        let rows: Vec<Value> = (offset..offset + 3)
            .map(|i| json!({"ProductGUID": format!("p{i}"), "Name": format!("Product {i}")}))
            .collect();
        ok(Value::Array(rows))
    })
    .await;
    let client = client.with_page_size(3).with_page_limit(10);
    let mut cursor: Option<String> = None;
    let mut err = None;
    for _ in 0..100 {
        match client.sync_products("", cursor.as_deref()).await {
            Ok(p) => {
                assert!(!p.done);
                cursor = Some(p.cursor);
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let e = err.expect("the sync stops");
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
    says(&e, "after 10 pages", "na 10 pagina's");
    assert_eq!(count.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn silvasoft_a_look_up_stops_reading_a_repeated_page_of_invoices() {
    // 100 invoices of another customer, the same page whatever the offset: before, the
    // look-up read it 50 times.
    let (client, count) = silvasoft_server(|r| {
        assert_eq!(r.method, "GET");
        assert!(r.path.ends_with("/listsalesinvoices/"), "{}", r.path);
        let rows: Vec<Value> = (0..100)
            .map(|i| json!({"InvoiceNumber": 1000 + i, "InvoiceDate": "16-05-2025", "CustomerName": "Iemand anders", "TotalAmountIncVat": 1}))
            .collect();
        ok(Value::Array(rows))
    })
    .await;
    let relation = Relation {
        id: "g1".into(),
        kind: RelationKind::Organisation,
        name: "Klant".into(),
        number: None,
        email: None,
        city: None,
        vat_number: None,
        archived: false,
    };
    let product = Product {
        id: "p1".into(),
        code: None,
        description: "Werk".into(),
        price_excl: None,
        price_incl: None,
        vat_code: Some("21".into()),
        group: None,
        archived: false,
        line_defaults: Default::default(),
    };
    let mut l = line(&product, "1", "121");
    l.vat_percent = 21.into();
    let inv = invoice("", &relation, vec![l], PriceBasis::InclVat);
    let found = client.lookup(&inv).await.unwrap();
    assert!(
        matches!(found, Lookup::CannotTell),
        "not all of the day's invoices could be read: {found:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

// ---- "does not answer" or "wrong address" ------------------------------------------------

#[tokio::test]
async fn a_refused_connection_says_the_system_does_not_answer() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let http = http("AFAS SB");
    let e = http
        .send(
            http.request(Method::GET, &format!("http://127.0.0.1:{port}/env")),
            Safety::Idempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
    says(
        &e,
        "AFAS SB does not answer at 127.0.0.1",
        "AFAS SB antwoordt niet op 127.0.0.1",
    );
    assert!(
        !e.message.en.contains("environment URL"),
        "{}",
        e.message.en
    );
}

#[tokio::test]
async fn no_answer_in_time_says_the_system_did_not_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let http = Http::with_timeouts(
        "Silvasoft",
        Duration::from_secs(5),
        Duration::from_millis(300),
    )
    .unwrap();
    let e = http
        .send(
            http.request(Method::GET, &format!("http://{addr}/rest/listrelations/")),
            Safety::Idempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Offline);
    says(&e, "did not answer in time", "antwoordde niet op tijd");
}

#[tokio::test]
async fn a_gateway_error_on_a_read_says_the_system_does_not_answer() {
    let env = start().await;
    let client = env.client();
    for status in [502u16, 503, 504] {
        env.faults(json!({"fail_next": 1, "status": status, "path_contains": "/api/persons"}))
            .await;
        let e = client.sync_relations("", None).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ServerError, "{status}");
        says(
            &e,
            &format!("does not answer at the moment (HTTP {status})"),
            "antwoordt op dit moment niet",
        );
    }
}

#[tokio::test]
async fn a_name_that_does_not_exist_says_the_address_is_wrong() {
    // `.invalid` never resolves (RFC 6761). What the clerk is told follows what this
    // computer's resolver says: "no such name", or (without any name server) "cannot look up".
    use std::net::ToSocketAddrs;
    let host = "invoice-desk-test.invalid";
    let resolver = (host, 443).to_socket_addrs().unwrap_err().to_string();
    let http = http("AFAS SB");
    let e = http
        .send(
            http.request(Method::GET, &format!("https://{host}/env")),
            Safety::Idempotent,
        )
        .await
        .unwrap_err();
    if resolver.to_ascii_lowercase().contains("temporar") {
        assert_eq!(e.code, ErrorCode::Offline, "{resolver}");
        says(&e, "cannot look up", "niet opzoeken");
    } else {
        assert_eq!(e.code, ErrorCode::Config, "{resolver}: {e:?}");
        says(
            &e,
            "The address invoice-desk-test.invalid does not exist",
            "Het adres invoice-desk-test.invalid bestaat niet",
        );
        assert_eq!(e.field.as_deref(), Some("base_url"));
    }
}

#[tokio::test]
async fn a_wrong_path_on_a_known_endpoint_says_the_address_is_wrong() {
    let env = start().await;
    // The host is right, the environment is not: its token endpoint answers 404.
    let client = AfasClient::new(AfasConfig {
        base_url: format!("{}/no-such-environment", env.sandbox.base_url()),
        auth: AfasAuth::AppToken(Secret::new(APP_TOKEN)),
    })
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "No AFAS SB environment was found at this address",
        "Op dit adres is geen AFAS SB-omgeving gevonden",
    );
    let silva = SilvasoftClient::new(SilvasoftConfig {
        base_url: format!("{}/no-such-path", env.sandbox.base_url()),
        username: "u@example.nl".into(),
        api_key: Secret::new("k"),
        ..SilvasoftConfig::default()
    })
    .unwrap()
    .with_rate_limits(RateLimits::unlimited());
    let e = silva.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "No Silvasoft API was found at this address",
        "Op dit adres is geen Silvasoft-API gevonden",
    );
}

#[tokio::test]
async fn a_web_page_instead_of_the_api_says_the_address_is_wrong() {
    let page = || Resp {
        status: 200,
        body: Body::Text(
            "text/html",
            "<!doctype html><title>Welkom</title><p>Inloggen</p>".into(),
        ),
    };
    // AFAS: the token endpoint answers a web page.
    let (addr, _) = serve(move |_| page()).await;
    let client = AfasClient::with_http(
        AfasConfig {
            base_url: format!("http://{addr}/env"),
            auth: AfasAuth::AppToken(Secret::new("app-token")),
        },
        http("AFAS SB"),
    )
    .unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "Something other than AFAS SB answers at this address",
        "Op dit adres antwoordt iets anders dan AFAS SB",
    );
    // AFAS: a token, then a web page for a list.
    let (client, _) = afas_server(move |_| page()).await;
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    // Silvasoft: a web page for a list.
    let (client, _) = silvasoft_server(move |_| page()).await;
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    says(
        &e,
        "Something other than Silvasoft answers",
        "antwoordt iets anders dan Silvasoft",
    );
    assert_eq!(e.field.as_deref(), Some("base_url"));
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_still_an_answer_not_understood() {
    // JSON, but not a list: the API is there and answers something unexpected.
    let (client, _) = afas_server(|_| ok(json!({"Result": "nope"}))).await;
    let e = client.sync_relations("", None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse, "{e:?}");
}
