//! The one error type of the domain. It crosses IPC as `{code, message, field?}`: a stable
//! code the UI branches on, a message a clerk understands (Dutch or English), the form field
//! it belongs to, and where useful the back end's own words and per-field messages.

use crate::i18n::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Stable error codes. The UI branches on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Our own checks before sending found a problem; nothing was sent.
    Validation,
    /// The back end refused the invoice (a final answer; do not retry unchanged).
    Refused,
    /// Wrong or expired credentials.
    AuthFailed,
    /// Credentials fine, but no rights to this part of the back end.
    Forbidden,
    /// Too many requests: wait and retry later.
    RateLimited,
    /// The back end could not be reached; nothing was received by it.
    Offline,
    /// The request went out but no answer came: it may or may not have been processed.
    Uncertain,
    /// The back end had an internal error (5xx).
    ServerError,
    /// The back end answered something we could not understand.
    BadResponse,
    /// The thing asked for does not exist.
    NotFound,
    /// The connection settings are incomplete or wrong (URL, missing secret).
    Config,
    /// The OS keyring could not be used; no secret was written anywhere else.
    KeyringUnavailable,
    /// The local store failed.
    Store,
    /// The local store is damaged; a copy was kept.
    StoreCorrupt,
    /// The local store is in use by another process.
    StoreLocked,
    /// The disk is full.
    DiskFull,
    /// A file could not be read or written.
    Io,
    /// The user cancelled.
    Cancelled,
    /// A bug: something that should not happen.
    Internal,
}

impl ErrorCode {
    /// Whether the same request may be sent again later as it is.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::Offline
                | ErrorCode::ServerError
                | ErrorCode::Uncertain
        )
    }
}

/// A message for one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldIssue {
    /// The form field: `relation`, `issue_date`, `lines[2].quantity`, `extra.payment_method`.
    pub field: String,
    pub message: Text,
}

/// An error with a code, a message in both languages and optionally the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {}", message.en)]
pub struct Error {
    pub code: ErrorCode,
    pub message: Text,
    /// The form field the whole error belongs to, if any.
    pub field: Option<String>,
    /// The back end's own words, shown as they are (often Dutch).
    pub detail: Option<String>,
    /// Per-field messages, e.g. from a vendor's validation answer.
    pub fields: Vec<FieldIssue>,
    /// How long the back end asked us to wait.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl Error {
    pub fn new(code: ErrorCode, nl: impl Into<String>, en: impl Into<String>) -> Self {
        Error {
            code,
            message: Text::new(nl, en),
            field: None,
            detail: None,
            fields: Vec::new(),
            retry_after: None,
        }
    }
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let d = detail.into();
        if !d.trim().is_empty() {
            self.detail = Some(d);
        }
        self
    }
    pub fn with_fields(mut self, fields: Vec<FieldIssue>) -> Self {
        self.fields = fields;
        self
    }
    pub fn with_retry_after(mut self, d: Option<Duration>) -> Self {
        self.retry_after = d;
        self
    }
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::new(
            ErrorCode::Internal,
            format!("Er ging intern iets mis: {what}"),
            format!("Something went wrong inside the app: {what}"),
        )
    }
    pub fn store(what: impl std::fmt::Display) -> Self {
        Error::new(
            ErrorCode::Store,
            format!("De lokale opslag gaf een fout: {what}"),
            format!("The local store failed: {what}"),
        )
    }
    /// The shape that crosses IPC, in the user's language.
    pub fn to_ipc(&self, lang: Lang) -> IpcError {
        IpcError {
            code: self.code,
            message: self.message.get(lang).to_string(),
            field: self.field.clone(),
            detail: self.detail.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| IpcFieldError {
                    field: f.field.clone(),
                    message: f.message.get(lang).to_string(),
                })
                .collect(),
        }
    }
}

/// `{code, message, field?, detail?, fields[]}` as the web view receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fields: Vec<IpcFieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IpcFieldError {
    pub field: String,
    pub message: String,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        crate::store::classify_sqlite_error(&e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
