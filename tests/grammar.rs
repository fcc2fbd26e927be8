//! The macros and the lint read contracts with one grammar (`lockcheck-syntax`); this checks that
//! the two front ends agree on every form: for each contract below, the lock text, mode and kind
//! the runtime reports when the contract is broken are the ones the lint's model reads from the
//! same source text.

use lockcheck::{capture_violations, excludes_lock, requires_lock, Mode, Mutex, RwLock};
use lockcheck::{Violation, ViolationKind};
use lockcheck_lint::model::{Crate, SourceFile};

/// Compiles the items and keeps their source text for the lint.
macro_rules! both {
    ($($item:item)*) => {
        $($item)*
        const SOURCE: &str = stringify!($($item)*);
    };
}

both! {
    static GRAMMAR_SCHED: Mutex<u32> = Mutex::named("grammar-sched", 0);

    struct S {
        state: Mutex<u32>,
        rw: RwLock<u32>,
        many: Vec<Mutex<u32>>,
    }

    impl S {
        #[requires_lock(self.state)]
        fn field(&self) {}
        #[requires_lock(read(self.rw))]
        fn read_mode(&self) {}
        #[requires_lock(write(self.rw))]
        fn write_mode(&self) {}
        #[requires_lock("grammar-sched")]
        fn class(&self) {}
        #[requires_lock(GRAMMAR_SCHED)]
        fn a_static(&self) {}
        #[requires_lock(crate::GRAMMAR_SCHED)]
        fn a_path(&self) {}
        #[requires_lock(m)]
        fn param(&self, m: &Mutex<u32>) {}
        #[requires_lock(*m)]
        fn deref(&self, m: &Mutex<u32>) {}
        #[requires_lock(self.many[0],)]
        fn index_trailing_comma(&self) {}
        #[excludes_lock(self.state, GRAMMAR_SCHED)]
        fn excluded(&self) {}
    }
}

/// Runs `f` and returns the one contract violation it raised.
fn broken(f: impl FnOnce()) -> Violation {
    let ((), found) = capture_violations(f);
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

/// What the runtime says of a broken contract: (function, lock text, mode, must hold).
fn runtime_view(v: &Violation) -> (String, String, Option<Mode>, bool) {
    match &v.kind {
        ViolationKind::Contract {
            function,
            lock,
            mode,
            must_hold,
            ..
        } => (function.clone(), lock.clone(), *mode, *must_hold),
        other => panic!("not a contract violation: {other:?}"),
    }
}

/// What the lint reads from the source: (function, lock text, mode, must hold) per argument.
fn lint_view() -> Vec<(String, String, Option<Mode>, bool)> {
    let krate = Crate::build(
        vec![SourceFile {
            path: "grammar.rs".into(),
            text: SOURCE.to_owned(),
        }],
        Default::default(),
    );
    assert!(krate.parse_errors.is_empty(), "{:?}", krate.parse_errors);
    let mut out = Vec::new();
    for f in &krate.functions {
        let all = f.requires.iter().map(|c| (c, true));
        for (c, must_hold) in all.chain(f.excludes.iter().map(|c| (c, false))) {
            let mode = match (c.read, c.write) {
                (true, _) => Some(Mode::Shared),
                (_, true) => Some(Mode::Exclusive),
                _ => None,
            };
            out.push((f.ident.clone(), c.text.clone(), mode, must_hold));
        }
    }
    out
}

#[test]
fn the_macros_and_the_lint_read_every_form_alike() {
    if !lockcheck::ENABLED {
        return;
    }
    let s = S {
        state: Mutex::new(0),
        rw: RwLock::new(0),
        many: vec![Mutex::new(0)],
    };
    let m = Mutex::new(0);
    let mut runtime = [
        broken(|| s.field()),
        broken(|| s.read_mode()),
        broken(|| {
            let _r = s.rw.read(); // a read hold does not meet `write(..)`
            s.write_mode()
        }),
        broken(|| s.class()),
        broken(|| s.a_static()),
        broken(|| s.a_path()),
        broken(|| s.param(&m)),
        broken(|| s.deref(&m)),
        broken(|| s.index_trailing_comma()),
    ]
    .iter()
    .map(runtime_view)
    .collect::<Vec<_>>();
    // `excluded` names two locks: each broken on its own.
    let held = s.state.lock();
    runtime.push(runtime_view(&broken(|| s.excluded())));
    drop(held);
    let held = GRAMMAR_SCHED.lock();
    runtime.push(runtime_view(&broken(|| s.excluded())));
    drop(held);

    let lint = lint_view();
    assert_eq!(lint.len(), runtime.len(), "{lint:?}");
    for (l, r) in lint.iter().zip(&runtime) {
        assert_eq!(l, r);
    }
    // And the texts are the ones a person wrote.
    let texts: Vec<&str> = lint.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(
        texts,
        [
            "self.state",
            "self.rw",
            "self.rw",
            "\"grammar-sched\"",
            "GRAMMAR_SCHED",
            "crate::GRAMMAR_SCHED",
            "m",
            "*m",
            "self.many[0]",
            "self.state",
            "GRAMMAR_SCHED",
        ]
    );
}
