// A bare Tauri 2 app for bench/startup.sh: one window, one static page, nothing else.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-app: {e}");
        std::process::exit(1);
    }
}
