//! The UI's TypeScript types for mr-core's view types (`SiteView`, `SyncStatus`, …), committed
//! beside the wire types in `ui/src/api/generated/`; this fails when a committed file differs or
//! is missing. `UPDATE_TS_BINDINGS=1` (`make bindings`) rewrites them.

#[test]
fn generated_typescript_is_up_to_date() {
    if let Err(e) = mr_protocol::export::check_ui_bindings("mr-core", mr_core::views::export_all) {
        panic!("{e}");
    }
}
