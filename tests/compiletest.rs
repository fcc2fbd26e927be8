//! Compile-fail tests for every diagnostic the attributes emit, and a pass test for every
//! supported function form. The expected messages are the `.stderr` files beside each case;
//! regenerate them with `TRYBUILD=overwrite cargo test --test compiletest`.
//!
//! rustc's list of types implementing `Lockable` in `not_lockable.stderr` depends on the
//! flavours compiled in, so the snapshots are those of the default features: with a flavour
//! feature on (`lock_api`, `tokio`), the test is left to the default build.

#[test]
#[cfg(not(any(feature = "lock_api", feature = "tokio")))]
fn attribute_diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
