//! Gives the crate one cfg, `lockcheck_checks`, for "the checker is compiled in": on whenever
//! `debug_assertions` is, or when the `release-checks` feature asks for it in release builds.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(lockcheck_checks)");
    let debug = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let forced = std::env::var_os("CARGO_FEATURE_RELEASE_CHECKS").is_some();
    if debug || forced {
        println!("cargo::rustc-cfg=lockcheck_checks");
    }
}
