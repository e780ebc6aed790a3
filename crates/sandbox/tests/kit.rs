//! A made-up stand-in built from the kit alone: its routes, its rule, its row shape. It gets
//! the faults hook (with its own one-shot fault and action), the fault layer, a table with a
//! change feed, a `mutate` hook and Dutch sample data without writing any of them, which is
//! what the next system's stand-in needs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use invoice_desk_sandbox::kit::data::{self as sample, stream};
use invoice_desk_sandbox::kit::faults::{self, Counter, Faults};
use invoice_desk_sandbox::kit::hooks::{self, hook_error, FaultAction, Hooks, Mutation, StandIn};
use invoice_desk_sandbox::kit::server::Shutdown;
use invoice_desk_sandbox::kit::shared::Shared;
use invoice_desk_sandbox::kit::table::{Row, Table};
use rand::rngs::StdRng;
use serde_json::{json, Map, Value};
use tokio::sync::watch;

/// The vendor's row shape.
struct Customer {
    number: u32,
    name: String,
    vat: Option<String>,
    changed: u64,
}

impl Row for Customer {
    type Id = u32;
    fn id(&self) -> u32 {
        self.number
    }
    fn changed(&self) -> u64 {
        self.changed
    }
    fn set_changed(&mut self, c: u64) {
        self.changed = c;
    }
}

impl Customer {
    fn to_json(&self) -> Value {
        json!({"number": self.number, "name": self.name, "vat": self.vat})
    }
}

struct Data {
    customers: Table<Customer>,
    rng: StdRng,
}

fn customer(rng: &mut StdRng, number: u32) -> Customer {
    Customer {
        number,
        name: sample::company_name(rng, false).name,
        vat: Some(format!("NL{}B01", sample::nl_vat_core(rng))),
        changed: 0,
    }
}

struct Acme {
    data: Shared<Data>,
    faults: Arc<Faults>,
    shutdown: Shutdown,
    /// The vendor's own fault: "busy" (503) for the next N list requests.
    busy_next: Counter,
    sessions_forgotten: AtomicBool,
}

impl StandIn for Acme {
    const NAME: &'static str = "acme";
    fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }
    fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }
    fn counters(&self) -> Vec<(&'static str, &Counter)> {
        vec![("busy_next", &self.busy_next)]
    }
    fn fault_action() -> Option<FaultAction<Self>> {
        Some(FaultAction {
            member: "forget_sessions",
            run: |acme, asked| {
                acme.sessions_forgotten.store(asked, Ordering::SeqCst);
                ("sessions_forgotten", json!(asked))
            },
        })
    }
}

/// The vendor's error body.
fn acme_error(status: StatusCode) -> Response {
    (status, Json(json!({"acme_error": status.as_u16()}))).into_response()
}

/// The vendor's rule: `?since=N` lists what changed after change token N.
async fn customers(State(acme): State<Arc<Acme>>, uri: axum::http::Uri) -> Response {
    if acme.busy_next.take() {
        return acme_error(StatusCode::SERVICE_UNAVAILABLE);
    }
    let since = uri
        .query()
        .and_then(|q| q.strip_prefix("since="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let data = acme.data.read();
    let rows: Vec<Value> = data
        .customers
        .changed_since(since)
        .map(Customer::to_json)
        .collect();
    Json(json!({"token": data.customers.counter(), "rows": rows})).into_response()
}

async fn mutate(State(acme): State<Arc<Acme>>, body: Bytes) -> Response {
    let m = match Mutation::read(
        &body,
        &["entity", "action", "count", "id", "fields"],
        &["customers"],
        "entity must be customers",
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut data = acme.data.write();
    let data = &mut *data;
    let outcome: Result<Vec<u32>, String> = match m.action.as_str() {
        "create" => m.count().map(|n| {
            (0..n)
                .map(|_| {
                    let number = 1000 + data.customers.len() as u32;
                    data.customers.insert(customer(&mut data.rng, number));
                    number
                })
                .collect()
        }),
        "update" => (|| {
            let id = m
                .body
                .get("id")
                .and_then(Value::as_u64)
                .ok_or("id is required")?;
            let id = u32::try_from(id).map_err(|_| "no such customer")?;
            let name = match m.fields.get("Name") {
                Some(v) => hooks::required_non_empty(v, "Name")?,
                None => return Err("fields.Name is required".to_string()),
            };
            data.customers
                .update(&id, |c| c.name = name)
                .ok_or("no such customer")?;
            Ok(vec![id])
        })(),
        _ => Err("action must be create or update".into()),
    };
    match outcome {
        Ok(ids) => {
            let records = ids
                .iter()
                .filter_map(|id| data.customers.get(id).map(Customer::to_json));
            m.answer(ids.len(), records, Map::new())
        }
        Err(e) => hook_error(StatusCode::BAD_REQUEST, e),
    }
}

struct Running {
    base: String,
    _stop: watch::Sender<bool>,
}

async fn start(seed: u64) -> Running {
    let (stop, shutdown) = Shutdown::new();
    let mut rng = stream(seed, 1);
    let rows = (0..5).map(|i| customer(&mut rng, 1000 + i)).collect();
    let acme = Arc::new(Acme {
        data: Shared::new(Data {
            customers: Table::new(rows),
            rng: stream(seed, 2),
        }),
        faults: Arc::new(Faults::new(seed)),
        shutdown: shutdown.clone(),
        busy_next: Counter::default(),
        sessions_forgotten: AtomicBool::new(false),
    });
    let api = Router::new().route("/acme/customers", get(customers));
    let api = faults::mount(api, &acme.faults, acme_error, &shutdown).with_state(acme.clone());
    let app = api.merge(
        Hooks::<Acme>::new()
            .route("mutate", post(mutate))
            .build(acme),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.wait().await })
            .await;
    });
    Running { base, _stop: stop }
}

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the stand-in answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_stand_in_made_of_the_kit_has_the_faults_hook_its_own_fault_and_the_fault_layer() {
    let acme = start(7).await;
    let faults = format!("{}/__sandbox/acme/faults", acme.base);
    let list = format!("{}/acme/customers", acme.base);

    let (status, v) = call(
        reqwest::Method::POST,
        faults.clone(),
        Some(json!({"busy_next": 1, "forget_sessions": true})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["busy_next"], json!(1));
    assert_eq!(v["sessions_forgotten"], json!(true));
    assert_eq!(
        v["fail_next"],
        json!(0),
        "the common settings are there too"
    );

    let (status, v) = call(reqwest::Method::GET, list.clone(), None).await;
    assert_eq!((status, v), (503, json!({"acme_error": 503})));
    let (status, v) = call(reqwest::Method::GET, list.clone(), None).await;
    assert_eq!(status, 200);
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(5));

    let (status, _) = call(
        reqwest::Method::POST,
        faults.clone(),
        Some(json!({"fail_next": 1, "status": 502})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = call(reqwest::Method::GET, list.clone(), None).await;
    assert_eq!(
        (status, v),
        (502, json!({"acme_error": 502})),
        "rendered in the vendor's body"
    );

    for bad in [
        json!({"busy_next": -1}),
        json!({"forget_sessions": 1}),
        json!({"colour": 1}),
    ] {
        let (status, v) = call(reqwest::Method::POST, faults.clone(), Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}");
        assert!(v["error"].is_string(), "{v}");
    }

    call(
        reqwest::Method::POST,
        faults.clone(),
        Some(json!({"busy_next": 3})),
    )
    .await;
    let (status, v) = call(reqwest::Method::DELETE, faults.clone(), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        v["busy_next"],
        json!(0),
        "a reset clears the system's own faults too"
    );
}

#[tokio::test]
async fn a_stand_in_made_of_the_kit_has_a_mutate_hook_and_a_change_feed() {
    let acme = start(7).await;
    let mutate = format!("{}/__sandbox/acme/mutate", acme.base);
    let list = format!("{}/acme/customers", acme.base);

    let (_, before) = call(reqwest::Method::GET, list.clone(), None).await;
    let token = before["token"].as_u64().unwrap_or(0);

    let (status, v) = call(
        reqwest::Method::POST,
        mutate.clone(),
        Some(json!({"entity": "customers", "action": "create", "count": 2})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["count"], json!(2));
    assert_eq!(v["records"].as_array().map(Vec::len), Some(2));
    let (status, v) = call(
        reqwest::Method::POST,
        mutate.clone(),
        Some(json!({"entity": "customers", "action": "update", "id": 1001, "fields": {"Name": "Bakkerij Hoogland"}})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["records"][0]["name"], json!("Bakkerij Hoogland"));

    let (_, changed) = call(reqwest::Method::GET, format!("{list}?since={token}"), None).await;
    let numbers: Vec<u64> = changed["rows"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["number"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(
        numbers,
        [1001, 1005, 1006],
        "what changed since the token, in table order"
    );

    for bad in [
        json!({"entity": "orders", "action": "create"}),
        json!({"entity": "customers", "action": "create", "count": 0}),
        json!({"entity": "customers", "action": "update", "id": 1001, "fields": {"Name": ""}}),
        json!({"entity": "customers", "action": "update", "id": 1001, "colour": "red"}),
    ] {
        let (status, v) = call(reqwest::Method::POST, mutate.clone(), Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}");
        assert!(v["error"].is_string(), "{v}");
    }
}

#[tokio::test]
async fn a_stand_in_made_of_the_kit_has_the_same_data_for_the_same_seed() {
    let names = |v: Value| -> Vec<String> {
        v["rows"]
            .as_array()
            .map(|rows| rows.iter().map(|r| r["name"].to_string()).collect())
            .unwrap_or_default()
    };
    let (a, b, c) = (start(7).await, start(7).await, start(8).await);
    let get = |r: &Running| {
        call(
            reqwest::Method::GET,
            format!("{}/acme/customers", r.base),
            None,
        )
    };
    let (na, nb, nc) = (
        names(get(&a).await.1),
        names(get(&b).await.1),
        names(get(&c).await.1),
    );
    assert_eq!(na, nb);
    assert_ne!(na, nc);
    assert_eq!(na.len(), 5);
}
