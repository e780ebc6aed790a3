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

/// Opens a web address in the system's viewer (the browser or PDF reader the clerk chose for
/// it), without waiting for it. The caller passes only an address `desk::document_link`
/// allows (http or https); it goes to the program as one argument, never through a shell.
/// `INVOICE_DESK_VIEWER` names another program to hand it to (tests, kiosk set-ups).
pub fn open_in_viewer(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut cmd = match std::env::var_os("INVOICE_DESK_VIEWER") {
        Some(program) if !program.is_empty() => {
            let mut c = Command::new(program);
            c.arg(url);
            c
        }
        _ => system_viewer(url),
    };
    let outer = outer_environment(|name| std::env::var_os(name));
    if !outer.is_empty() {
        for (name, value) in outer {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        cmd.env_remove(BUNDLE_VARS);
        // Not the AppImage's own folder, which is gone when the app closes.
        let owd = std::env::var_os("OWD").filter(|d| std::path::Path::new(d).is_dir());
        cmd.current_dir(owd.unwrap_or_else(|| "/".into()));
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn()?;
    // Reaped on a thread of its own, so no finished viewer process is left behind.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// Names the variables the AppImage's start script (scripts/appimage.sh) points at its own
/// copies of GTK's and GLib's modules; it keeps the clerk's values in `INVOICE_DESK_OUTER_<name>`.
const BUNDLE_VARS: &str = "INVOICE_DESK_BUNDLE_VARS";

/// The environment a program the app opens gets back, as (name, the clerk's value or none):
/// a PDF viewer of the system's own must not load the AppImage's GTK modules. Empty outside
/// the AppImage. `var` reads a variable (the process's environment; a map in tests).
fn outer_environment(
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<(String, Option<std::ffi::OsString>)> {
    let Some(names) = var(BUNDLE_VARS) else {
        return Vec::new();
    };
    names
        .to_string_lossy()
        .split_whitespace()
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .map(|n| (n.to_owned(), var(&format!("INVOICE_DESK_OUTER_{n}"))))
        .collect()
}

#[cfg(target_os = "windows")]
fn system_viewer(url: &str) -> std::process::Command {
    let mut c = std::process::Command::new("rundll32.exe");
    c.args(["url.dll,FileProtocolHandler", url]);
    c
}

#[cfg(target_os = "macos")]
fn system_viewer(url: &str) -> std::process::Command {
    let mut c = std::process::Command::new("/usr/bin/open");
    c.arg(url);
    c
}

#[cfg(not(any(target_os = "windows", target_os = "macos")))]
fn system_viewer(url: &str) -> std::process::Command {
    let mut c = std::process::Command::new("xdg-open");
    c.arg(url);
    c
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_viewer_gets_the_clerks_own_environment_back_from_the_appimage() {
        use std::collections::HashMap;
        use std::ffi::OsString;
        let env: HashMap<&str, &str> = [
            (
                "INVOICE_DESK_BUNDLE_VARS",
                "GTK_PATH XDG_DATA_DIRS GIO_MODULE_DIR bad-name",
            ),
            ("GTK_PATH", "/tmp/.mount_x/usr/lib/gtk-3.0"),
            (
                "INVOICE_DESK_OUTER_XDG_DATA_DIRS",
                "/usr/share/ubuntu:/usr/share",
            ),
        ]
        .into();
        let var = |n: &str| env.get(n).map(OsString::from);
        assert_eq!(
            super::outer_environment(var),
            vec![
                ("GTK_PATH".to_owned(), None),
                (
                    "XDG_DATA_DIRS".to_owned(),
                    Some(OsString::from("/usr/share/ubuntu:/usr/share"))
                ),
                ("GIO_MODULE_DIR".to_owned(), None),
            ]
        );
        // Outside the AppImage nothing is changed.
        assert!(super::outer_environment(|_| None).is_empty());
    }

    #[test]
    fn content_types() {
        assert_eq!(super::content_type("Factuur.PDF"), "application/pdf");
        assert_eq!(super::content_type("x"), "application/octet-stream");
    }
}
