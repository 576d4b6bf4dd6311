//! The UI's TypeScript types for mr-core's view types (`SiteView`, `SyncStatus`, …), next to
//! the wire types of `mr-protocol` in `ui/src/api/generated/`. Like the protocol crate's test of
//! the same name, this regenerates them into a temporary folder and fails when a committed file
//! differs or is missing. Each test checks (and with `UPDATE_TS_BINDINGS=1` writes) only the
//! files its exporter generates, so the two share the folder (`make bindings` runs both).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".ts") {
            out.insert(name, fs::read_to_string(e.path()).unwrap());
        }
    }
    out
}

#[test]
fn generated_typescript_is_up_to_date() {
    let committed: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "ui",
        "src",
        "api",
        "generated",
    ]
    .iter()
    .collect();
    let fresh_dir = std::env::temp_dir().join(format!("mr-core-ts-{}", std::process::id()));
    let _ = fs::remove_dir_all(&fresh_dir);
    fs::create_dir_all(&fresh_dir).unwrap();
    mr_core::views::export_all(&fresh_dir).expect("export TypeScript");
    let fresh = read_dir(&fresh_dir);
    let _ = fs::remove_dir_all(&fresh_dir);
    assert!(
        fresh.contains_key("SyncStatus.ts"),
        "generator wrote nothing: {fresh:?}"
    );

    if std::env::var_os("UPDATE_TS_BINDINGS").is_some() {
        fs::create_dir_all(&committed).unwrap();
        for (name, text) in &fresh {
            fs::write(committed.join(name), text).unwrap();
        }
        return;
    }
    let old = read_dir(&committed);
    let stale: Vec<_> = fresh
        .iter()
        .filter(|(n, t)| old.get(*n) != Some(t))
        .map(|(n, _)| n.clone())
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/api/generated is stale ({stale:?}); run `make bindings` and commit the result"
    );
}
