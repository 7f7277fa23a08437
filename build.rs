//! Rebuild when a migration is added or changed: `sqlx::migrate!` embeds the
//! `migrations/` folder at compile time, but cargo does not know the macro read it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
