//! Compile-fail tests for every diagnostic the attributes emit, and a pass test for every
//! supported function form. The expected messages are the `.stderr` files beside each case;
//! regenerate them with `TRYBUILD=overwrite cargo test --test compiletest`.

#[test]
fn attribute_diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
