//! The UI's TypeScript types are generated from the Rust wire types and committed under
//! `ui/src/api/generated/`; this fails when a committed file differs or is missing. The folder
//! is shared with mr-core's view types, which have a test of the same name.
//! `UPDATE_TS_BINDINGS=1` (`make bindings`) rewrites them.

#[test]
fn generated_typescript_is_up_to_date() {
    if let Err(e) =
        mr_protocol::export::check_ui_bindings("mr-protocol", mr_protocol::export::export_all)
    {
        panic!("{e}");
    }
}
