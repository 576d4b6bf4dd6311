fn main() {
    // The window's files are embedded at compile time; tauri-build does not watch them, so a
    // UI-only change would otherwise ship the previous build's UI (cargo scans the folder).
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
