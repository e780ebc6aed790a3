//! Attachments for the invoicing module.
//!
//! Silvasoft has no upload call: the file travels inside the invoice (`FileContent`, base64,
//! with its name). "Uploading" therefore only checks the file (at most 10 MB, a type Silvasoft
//! accepts, recognised by its first bytes) and hands out a reference; the invoice call embeds
//! the bytes.
//!
//! The reference lets the submit find the bytes again:
//! - `file:<id>:<sha256>:<name>:<path>` when the file came from disk: after a restart the file
//!   is read again, and sent only when its SHA-256 is still the same (a file changed since it
//!   was attached is not sent in its new form without the clerk knowing);
//! - `mem:<id>:<sha256>:<name>` otherwise: kept in memory only, so after a restart the clerk is
//!   asked to attach the file again.
//!
//! `<name>` is form-urlencoded; the path comes last, so colons in it (`C:\…`) do no harm.
//! The bytes are also kept in memory, by reference, for as long as the client lives.

use base64::Engine;
use invoice_desk_core::backend::Upload;
use invoice_desk_core::error::{Error, ErrorCode, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Largest file Silvasoft takes (10 MB).
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// A file ready to go into an invoice.
#[derive(Clone)]
pub(crate) struct ResolvedFile {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Arc<Vec<u8>>,
}

impl std::fmt::Debug for ResolvedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedFile")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl ResolvedFile {
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes.as_slice())
    }
}

/// The types Silvasoft accepts, recognised by their first bytes.
pub fn sniff(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("application/msword")
    } else if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".docx") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else {
        None
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode_name(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes()).collect()
}

fn decode_name(enc: &str) -> String {
    url::form_urlencoded::parse(format!("n={enc}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn bad_file(nl: String, en: String) -> Error {
    Error::new(ErrorCode::Validation, nl, en)
}

/// Checks an upload; returns its type.
pub(super) fn check(upload: &Upload) -> Result<&'static str> {
    let name = upload.file_name.as_str();
    let len = upload.bytes.len() as u64;
    if len == 0 {
        return Err(bad_file(
            format!("Het bestand '{name}' is leeg; er is niets verstuurd."),
            format!("The file '{name}' is empty; nothing was sent."),
        ));
    }
    if len > MAX_ATTACHMENT_BYTES {
        return Err(bad_file(
            format!("Het bestand '{name}' is groter dan 10 MB; Silvasoft neemt het niet aan."),
            format!("The file '{name}' is larger than 10 MB; Silvasoft does not take it."),
        ));
    }
    sniff(&upload.bytes, name).ok_or_else(|| {
        bad_file(
            format!("Silvasoft neemt alleen pdf, png, jpg, gif, doc en docx aan; '{name}' is geen van die soorten."),
            format!("Silvasoft takes only pdf, png, jpg, gif, doc and docx; '{name}' is none of these."),
        )
    })
}

/// The reference of a checked upload.
pub(super) fn reference(upload: &Upload) -> String {
    let hash = sha256_hex(&upload.bytes);
    let name = encode_name(&upload.file_name);
    match upload.path.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(path) => format!("file:{}:{hash}:{name}:{path}", upload.id),
        None => format!("mem:{}:{hash}:{name}", upload.id),
    }
}

/// Files handed out as references, by reference.
#[derive(Default)]
pub(super) struct FileStore {
    files: Mutex<HashMap<String, ResolvedFile>>,
}

impl FileStore {
    pub fn keep(&self, reference: &str, file: ResolvedFile) {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(reference.to_string(), file);
    }

    /// The file behind a reference: from memory, or read again from disk.
    pub fn resolve(&self, reference: &str) -> Result<ResolvedFile> {
        if let Some(f) = self
            .files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(reference)
        {
            return Ok(f.clone());
        }
        let again = |name: &str| {
            Error::new(
                ErrorCode::Validation,
                format!("De bijlage '{name}' is niet meer beschikbaar; voeg haar opnieuw toe."),
                format!("The attachment '{name}' is no longer available; attach it again."),
            )
            .with_field("attachments")
        };
        if let Some(rest) = reference.strip_prefix("file:") {
            let parts: Vec<&str> = rest.splitn(4, ':').collect();
            if parts.len() == 4 {
                let (hash, name, path) = (parts[1], decode_name(parts[2]), parts[3]);
                // The size from the file system first: nothing larger than Silvasoft takes is
                // read into memory.
                let too_large = std::fs::metadata(path)
                    .map(|m| m.len() > MAX_ATTACHMENT_BYTES)
                    .unwrap_or(false);
                if too_large {
                    return Err(Error::new(
                        ErrorCode::Validation,
                        format!("De bijlage '{name}' is groter geworden dan Silvasoft aanneemt (10 MB); voeg haar opnieuw toe."),
                        format!("The attachment '{name}' has grown beyond what Silvasoft accepts (10 MB); attach it again."),
                    )
                    .with_field("attachments"));
                }
                let bytes = std::fs::read(path).map_err(|e| {
                    Error::new(
                        ErrorCode::Io,
                        format!(
                            "De bijlage {path} kan niet worden gelezen. Bestaat het bestand nog?"
                        ),
                        format!("The attachment {path} cannot be read. Does the file still exist?"),
                    )
                    .with_detail(e.to_string())
                    .with_field("attachments")
                })?;
                if sha256_hex(&bytes) != hash {
                    return Err(Error::new(
                        ErrorCode::Validation,
                        format!("De bijlage '{name}' is veranderd sinds ze werd toegevoegd; voeg haar opnieuw toe."),
                        format!("The attachment '{name}' changed after it was attached; attach it again."),
                    )
                    .with_field("attachments"));
                }
                let content_type = sniff(&bytes, &name).ok_or_else(|| again(&name))?;
                let file = ResolvedFile {
                    name,
                    content_type,
                    bytes: Arc::new(bytes),
                };
                self.keep(reference, file.clone());
                return Ok(file);
            }
        }
        let name = reference
            .strip_prefix("mem:")
            .and_then(|r| r.splitn(3, ':').nth(2))
            .map(decode_name)
            .unwrap_or_else(|| "?".into());
        Err(again(&name))
    }
}
