//! A secret string: an app token, a client secret, a refresh or access token.
//!
//! Its `Debug` is redacted, it has no `Display` and no `Serialize`, so it cannot end up in a
//! log line, an error message or an IPC answer by accident. Reading it takes an explicit
//! [`Secret::expose`].

use std::fmt;

/// A string that must never be shown or logged.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that has to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is released.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        for b in bytes.iter_mut() {
            *b = 0;
        }
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("very-secret-token");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(
            format!("{:#?}", Some(s.clone())),
            "Some(\n    Secret(***),\n)"
        );
        assert_eq!(s.expose(), "very-secret-token");
        assert!(!s.is_empty());
        assert!(Secret::new("  ").is_empty());
    }
}
