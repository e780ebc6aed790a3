//! The local SQLite store.

use crate::error::{Error, ErrorCode};

/// Maps a SQLite failure to an error a clerk can act on.
pub fn classify_sqlite_error(e: &rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        match f.code {
            C::DatabaseBusy | C::DatabaseLocked => {
                return Error::new(
                    ErrorCode::StoreLocked,
                    "De lokale opslag is in gebruik door een ander programma. Sluit andere vensters van Invoice Desk en probeer het opnieuw.",
                    "The local store is in use by another program. Close other Invoice Desk windows and try again.",
                )
            }
            C::DiskFull => {
                return Error::new(
                    ErrorCode::DiskFull,
                    "De schijf is vol. Maak ruimte vrij; wat u typte is niet verloren.",
                    "The disk is full. Free some space; what you typed is not lost.",
                )
            }
            C::DatabaseCorrupt | C::NotADatabase => {
                return Error::new(
                    ErrorCode::StoreCorrupt,
                    "De lokale opslag is beschadigd.",
                    "The local store is damaged.",
                )
            }
            _ => {}
        }
    }
    Error::store(e)
}
