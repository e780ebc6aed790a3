//! Secrets in the OS keyring, and nowhere else.
//!
//! Windows Credential Manager, macOS Keychain, or the Secret Service on Linux. When the keyring
//! cannot be used the app says so plainly and does not fall back to writing the secret to disk.
//! A secret is named by its connection and the key its connector gives it:
//! `{connection}/{key}` (e.g. `conn-…/api-key`).

use invoice_desk_backends::registry::{self, SecretSource};
use invoice_desk_backends::Secret;
use invoice_desk_core::error::{Error, ErrorCode, Result};

const SERVICE: &str = "nl.invoicedesk.desktop";

fn entry(connection_id: &str, key: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("{connection_id}/{key}")).map_err(unavailable)
}

fn unavailable(e: keyring::Error) -> Error {
    Error::new(
        ErrorCode::KeyringUnavailable,
        "De sleutelbos van het systeem is niet beschikbaar, dus de inloggegevens kunnen niet veilig worden bewaard. Ze zijn nergens anders opgeslagen. Log opnieuw in op uw computer of start de sleutelbosdienst en probeer het opnieuw.",
        "The system keyring is not available, so the credentials cannot be kept safely. They were not stored anywhere else. Sign in to your computer again or start the keyring service and try again.",
    )
    .with_detail(e.to_string())
}

pub fn store(connection_id: &str, key: &str, secret: &Secret) -> Result<()> {
    entry(connection_id, key)?
        .set_password(secret.expose())
        .map_err(unavailable)
}

pub fn load(connection_id: &str, key: &str) -> Result<Option<Secret>> {
    match entry(connection_id, key)?.get_password() {
        Ok(s) => Ok(Some(Secret::new(s))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

pub fn delete(connection_id: &str, key: &str) -> Result<()> {
    match entry(connection_id, key)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}

/// Removes every secret the connection's connector may have stored.
pub fn delete_all(connection_id: &str, kind: &str) {
    let Some(connector) = registry::find(kind) else {
        return;
    };
    for key in connector.secret_keys() {
        if let Err(e) = delete(connection_id, key) {
            tracing::warn!(code = ?e.code, "a secret could not be removed from the keyring");
        }
    }
}

/// One connection's secrets in the keyring, as a connector reads them.
pub struct Keyring(pub String);

impl SecretSource for Keyring {
    fn secret(&self, key: &str) -> Result<Option<Secret>> {
        load(&self.0, key)
    }
}
