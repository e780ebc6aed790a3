//! The test hooks of a stand-in, under `/__sandbox/<system>/`: no authentication, JSON in and
//! out, errors as `{"error": "..."}` with status 400 or 404.
//!
//! Every stand-in gets the `faults` hook from here (`GET` the settings, `POST` a change,
//! `DELETE` to reset; see [`crate::kit::faults`]), extended with the system's own one-shot
//! faults ([`StandIn::counters`]) and at most one action ([`StandIn::fault_action`]). Its own
//! hooks (what it stored, its counts, changes to its data) it adds with [`Hooks::route`]; a
//! `mutate` hook reads its body with [`Mutation::read`] and the fields with the readers below,
//! so every system's hooks answer alike.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::kit::faults::{Counter, FaultPatch, Faults};
use crate::kit::server::Shutdown;

/// What a stand-in tells the kit about itself.
pub trait StandIn: Send + Sync + 'static {
    /// The system's name in its hook paths: `/__sandbox/<NAME>/faults`.
    const NAME: &'static str;

    fn faults(&self) -> &Arc<Faults>;

    fn shutdown(&self) -> &Shutdown;

    /// The system's own "the next N requests ..." faults, by their member in the faults hook:
    /// set by `POST` (a non-negative integer), shown by every answer, reset by `DELETE`.
    fn counters(&self) -> Vec<(&'static str, &Counter)> {
        Vec::new()
    }

    /// An action a `POST` to the faults hook can ask for besides settings.
    fn fault_action() -> Option<FaultAction<Self>>
    where
        Self: Sized,
    {
        None
    }
}

/// An action of the faults hook (AFAS: `"expire_tokens": true`): a boolean member, checked
/// before anything changes and run after the settings were applied.
pub struct FaultAction<S> {
    pub member: &'static str,
    /// Runs the action (`false`: nothing to do but report) and answers a member for the
    /// hook's answer (AFAS: `"tokens_expired": 3`).
    pub run: fn(&S, bool) -> (&'static str, Value),
}

/// The path of a hook of `S`: `/__sandbox/<NAME>/<rest>`.
pub fn path<S: StandIn>(rest: &str) -> String {
    format!("/__sandbox/{}/{rest}", S::NAME)
}

/// The hooks of one stand-in: the faults hook, and those the system adds.
pub struct Hooks<S: StandIn> {
    router: Router<Arc<S>>,
    system: PhantomData<S>,
}

impl<S: StandIn> Default for Hooks<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: StandIn> Hooks<S> {
    pub fn new() -> Self {
        Hooks {
            router: Router::new().route(
                &path::<S>("faults"),
                get(faults_get::<S>)
                    .post(faults_post::<S>)
                    .delete(faults_delete::<S>),
            ),
            system: PhantomData,
        }
    }

    /// Adds the hook `/__sandbox/<NAME>/<rest>`.
    pub fn route(mut self, rest: &str, method: MethodRouter<Arc<S>>) -> Self {
        self.router = self.router.route(&path::<S>(rest), method);
        self
    }

    pub fn build(self, system: Arc<S>) -> Router {
        self.router.with_state(system)
    }
}

/// A hook's refusal: `{"error": msg}`.
pub fn hook_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

/// The common settings and the system's counters, as every faults answer shows them.
fn fault_settings<S: StandIn>(s: &S) -> Map<String, Value> {
    let mut m = match serde_json::to_value(s.faults().settings()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (name, counter) in s.counters() {
        m.insert(name.into(), json!(counter.get()));
    }
    m
}

async fn faults_get<S: StandIn>(State(s): State<Arc<S>>) -> Response {
    Json(Value::Object(fault_settings(&*s))).into_response()
}

async fn faults_delete<S: StandIn>(State(s): State<Arc<S>>) -> Response {
    s.faults().reset();
    for (_, counter) in s.counters() {
        counter.set(0);
    }
    Json(Value::Object(fault_settings(&*s))).into_response()
}

async fn faults_post<S: StandIn>(State(s): State<Arc<S>>, body: Bytes) -> Response {
    let mut obj: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return hook_error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    let action = match S::fault_action() {
        None => None,
        Some(a) => match obj.remove(a.member) {
            None => Some((a, false)),
            Some(Value::Bool(b)) => Some((a, b)),
            Some(_) => {
                return hook_error(
                    StatusCode::BAD_REQUEST,
                    format!("{} must be a boolean", a.member),
                )
            }
        },
    };
    let mut counts = Vec::new();
    for (name, counter) in s.counters() {
        if let Some(v) = obj.remove(name) {
            match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => counts.push((counter, n)),
                None => {
                    return hook_error(
                        StatusCode::BAD_REQUEST,
                        format!("{name} must be a non-negative integer"),
                    )
                }
            }
        }
    }
    let patch: FaultPatch = match serde_json::from_value(Value::Object(obj)) {
        Ok(p) => p,
        Err(e) => return hook_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if let Err(e) = s.faults().apply(patch) {
        return hook_error(StatusCode::BAD_REQUEST, e);
    }
    for (counter, n) in counts {
        counter.set(n);
    }
    let mut answer = fault_settings(&*s);
    if let Some((a, asked)) = action {
        let (member, value) = (a.run)(&s, asked);
        answer.insert(member.into(), value);
    }
    Json(Value::Object(answer)).into_response()
}

// ---------------------------------------------------------------------------------------------
// mutate

/// A mass creation answers the first rows only.
pub const MAX_RECORDS_ANSWERED: usize = 1000;

/// The body of a `mutate` hook: `{"entity", "action", "fields", ...}`.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub entity: String,
    /// `create`, `update`, ... (empty when absent: the system refuses it).
    pub action: String,
    /// The members to set (absent or `null`: none).
    pub fields: Map<String, Value>,
    /// The whole body, for the system's own members (`id`, `administration_id`, `name`).
    pub body: Map<String, Value>,
}

impl Mutation {
    /// Reads a JSON object with only the `members` named, an `entity` out of `entities` (else
    /// 400 `entities_error`), and `fields` an object.
    pub fn read(
        body: &[u8],
        members: &[&str],
        entities: &[&str],
        entities_error: &str,
    ) -> Result<Mutation, Response> {
        let body: Map<String, Value> = match serde_json::from_slice(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(hook_error(
                    StatusCode::BAD_REQUEST,
                    "expected a JSON object",
                ))
            }
        };
        if let Some(k) = body.keys().find(|k| !members.contains(&k.as_str())) {
            return Err(hook_error(
                StatusCode::BAD_REQUEST,
                format!("unknown member {k}"),
            ));
        }
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (entity, action) = (text("entity"), text("action"));
        if !entities.contains(&entity.as_str()) {
            return Err(hook_error(StatusCode::BAD_REQUEST, entities_error));
        }
        let fields = match body.get("fields") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(hook_error(
                    StatusCode::BAD_REQUEST,
                    "fields must be an object",
                ))
            }
        };
        Ok(Mutation {
            entity,
            action,
            fields,
            body,
        })
    }

    /// How many rows a `create` makes: `count`, 1 when absent, at most 500,000.
    pub fn count(&self) -> Result<u64, String> {
        let count = self.body.get("count").and_then(Value::as_u64).unwrap_or(1);
        if (1..=500_000).contains(&count) {
            Ok(count)
        } else {
            Err("count must be within 1..=500000".into())
        }
    }

    /// The answer: `{"entity", "action", "count", "records"}` with the first
    /// [`MAX_RECORDS_ANSWERED`] records, plus the system's own members.
    pub fn answer(
        &self,
        count: usize,
        records: impl Iterator<Item = Value>,
        extra: Map<String, Value>,
    ) -> Response {
        let mut m = Map::new();
        m.insert("entity".into(), json!(self.entity));
        m.insert("action".into(), json!(self.action));
        m.insert("count".into(), json!(count));
        m.insert(
            "records".into(),
            Value::Array(records.take(MAX_RECORDS_ANSWERED).collect()),
        );
        m.extend(extra);
        Json(Value::Object(m)).into_response()
    }
}

// Readers of one member of `fields`; `k` names it in the refusal.

/// A string, or `null` for none.
pub fn string(v: &Value, k: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(format!("{k} must be a string or null")),
    }
}

/// A string (which may be empty).
pub fn required_string(v: &Value, k: &str) -> Result<String, String> {
    string(v, k)?.ok_or_else(|| format!("{k} must be a string"))
}

/// A string; `null` and `""` are none.
pub fn non_empty(v: &Value, k: &str) -> Result<Option<String>, String> {
    Ok(string(v, k)?.filter(|s| !s.is_empty()))
}

/// A non-empty string.
pub fn required_non_empty(v: &Value, k: &str) -> Result<String, String> {
    non_empty(v, k)?.ok_or_else(|| format!("{k} must be a non-empty string"))
}

pub fn boolean(v: &Value, k: &str) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("{k} must be a boolean"))
}

/// A number, as a JSON number or a string, read by the vendor's own `parse` (exactly, never
/// through `f64`).
pub fn number<T>(v: &Value, k: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(format!("{k} must be a number")),
    };
    parse(&text).ok_or_else(|| format!("{k} must be a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutation_names_only_known_members_and_a_known_entity() {
        let read = |b: &str| {
            Mutation::read(
                b.as_bytes(),
                &["entity", "action", "fields"],
                &["things"],
                "entity must be things",
            )
        };
        let m = read(r#"{"entity": "things", "action": "create", "fields": {"Name": "x"}}"#)
            .unwrap_or_else(|_| panic!("read"));
        assert_eq!((m.entity.as_str(), m.action.as_str()), ("things", "create"));
        assert_eq!(m.fields.get("Name"), Some(&json!("x")));
        assert_eq!(m.count(), Ok(1));
        for bad in [
            "[]",
            r#"{"entity": "things", "colour": 1}"#,
            r#"{"entity": "others"}"#,
            r#"{"entity": "things", "fields": 3}"#,
        ] {
            let status = read(bad).err().map(|r| r.status());
            assert_eq!(status, Some(StatusCode::BAD_REQUEST), "{bad}");
        }
    }

    #[test]
    fn field_readers_refuse_other_types_by_name() {
        assert_eq!(string(&json!(null), "A"), Ok(None));
        assert_eq!(non_empty(&json!(""), "A"), Ok(None));
        assert_eq!(required_string(&json!(""), "A"), Ok(String::new()));
        assert_eq!(
            required_non_empty(&json!(""), "A"),
            Err("A must be a non-empty string".into())
        );
        assert_eq!(boolean(&json!(1), "B"), Err("B must be a boolean".into()));
        let int = |s: &str| s.parse::<i64>().ok();
        assert_eq!(number(&json!("12"), "N", int), Ok(12));
        assert_eq!(number(&json!(12), "N", int), Ok(12));
        assert_eq!(
            number(&json!(true), "N", int),
            Err("N must be a number".into())
        );
    }
}
