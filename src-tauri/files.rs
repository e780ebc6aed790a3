//! Choosing files to attach: the native dialog, behind a small interface that tests replace.

use invoice_desk_core::i18n::Lang;
use std::path::PathBuf;

/// Picks files for a draft. Only paths come back: what a file is (size, SHA-256) is recorded
/// by the caller, on the Rust side.
#[async_trait::async_trait]
pub trait FilePicker: Send + Sync {
    /// The dialog speaks the clerk's language.
    async fn pick(&self, lang: Lang) -> Vec<PathBuf>;
}

/// The native file dialog (rfd).
pub struct NativePicker;

#[async_trait::async_trait]
impl FilePicker for NativePicker {
    async fn pick(&self, lang: Lang) -> Vec<PathBuf> {
        rfd::AsyncFileDialog::new()
            .set_title(lang.pick("Bijlagen toevoegen", "Attach files"))
            .add_filter(
                lang.pick("Documenten", "Documents"),
                &[
                    "pdf", "png", "jpg", "jpeg", "gif", "doc", "docx", "xls", "xlsx", "txt",
                ],
            )
            .add_filter(lang.pick("Alle bestanden", "All files"), &["*"])
            .pick_files()
            .await
            .map(|v| v.into_iter().map(|f| f.path().to_path_buf()).collect())
            .unwrap_or_default()
    }
}

/// Answers the dialog from a list of paths, for tests in a window where no dialog can be
/// completed: `INVOICE_DESK_PICK_FILES=/a.pdf:/b.png`.
pub struct ListPicker(pub Vec<PathBuf>);

#[async_trait::async_trait]
impl FilePicker for ListPicker {
    async fn pick(&self, _lang: Lang) -> Vec<PathBuf> {
        self.0.clone()
    }
}

/// A content type from the file name.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_types() {
        assert_eq!(super::content_type("Factuur.PDF"), "application/pdf");
        assert_eq!(super::content_type("x"), "application/octet-stream");
    }
}
