//! Secrets in the OS keyring, and nowhere else.
//!
//! Windows Credential Manager, macOS Keychain, or the Secret Service on Linux. When the keyring
//! cannot be used the app says so plainly and does not fall back to writing the secret to disk.

use invoice_desk_backends::Secret;
use invoice_desk_core::error::{Error, ErrorCode, Result};

const SERVICE: &str = "nl.invoicedesk.desktop";

/// Which secret of a connection.
#[derive(Debug, Clone, Copy)]
pub enum SecretKind {
    AppToken,
    ApiKey,
    OAuthClientSecret,
    RefreshToken,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::AppToken => "app-token",
            SecretKind::ApiKey => "api-key",
            SecretKind::OAuthClientSecret => "oauth-client-secret",
            SecretKind::RefreshToken => "refresh-token",
        }
    }
}

fn entry(connection_id: &str, kind: SecretKind) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("{connection_id}/{}", kind.as_str())).map_err(unavailable)
}

fn unavailable(e: keyring::Error) -> Error {
    Error::new(
        ErrorCode::KeyringUnavailable,
        "De sleutelbos van het systeem is niet beschikbaar, dus de inloggegevens kunnen niet veilig worden bewaard. Ze zijn nergens anders opgeslagen. Log opnieuw in op uw computer of start de sleutelbosdienst en probeer het opnieuw.",
        "The system keyring is not available, so the credentials cannot be kept safely. They were not stored anywhere else. Sign in to your computer again or start the keyring service and try again.",
    )
    .with_detail(e.to_string())
}

pub fn store(connection_id: &str, kind: SecretKind, secret: &Secret) -> Result<()> {
    entry(connection_id, kind)?
        .set_password(secret.expose())
        .map_err(unavailable)
}

pub fn load(connection_id: &str, kind: SecretKind) -> Result<Option<Secret>> {
    match entry(connection_id, kind)?.get_password() {
        Ok(s) => Ok(Some(Secret::new(s))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

pub fn delete(connection_id: &str, kind: SecretKind) -> Result<()> {
    match entry(connection_id, kind)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}

pub fn delete_all(connection_id: &str) {
    for k in [
        SecretKind::AppToken,
        SecretKind::ApiKey,
        SecretKind::OAuthClientSecret,
        SecretKind::RefreshToken,
    ] {
        if let Err(e) = delete(connection_id, k) {
            tracing::warn!(code = ?e.code, "a secret could not be removed from the keyring");
        }
    }
}
