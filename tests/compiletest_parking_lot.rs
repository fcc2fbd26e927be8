//! parking_lot-style code compiles and runs unchanged against `lockcheck::parking_lot` (a pass
//! case per program). Needs the `parking_lot` feature (`scripts/test` enables it).
#![cfg(feature = "parking_lot")]

#[test]
fn parking_lot_programs_compile_unchanged() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/parking_lot/*.rs");
}
