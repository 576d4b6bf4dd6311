//! `sqlx::migrate!` embeds `migrations/` at compile time; without this, adding a migration file
//! would not rebuild the crate and the cache would silently miss the new tables.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
