//! The line to change (issue 26, item 3): a lock taken inside a helper that returns its guard
//! is reported with the helper's caller, and the advice to mark the helper `#[track_caller]`;
//! a helper so marked needs no note: the report names its callers directly.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use lockcheck::{capture_violations, Mutex, MutexGuard};

struct Ledger {
    accounts: Mutex<u64>,
    balances: Mutex<u64>,
}

impl Ledger {
    fn new() -> Ledger {
        Ledger {
            accounts: Mutex::named("helper.accounts", 0),
            balances: Mutex::named("helper.balances", 0),
        }
    }

    fn accounts(&self) -> MutexGuard<'_, u64> {
        self.accounts.lock()
    }

    fn balances(&self) -> MutexGuard<'_, u64> {
        self.balances.lock()
    }
}

fn transfer(l: &Ledger) {
    let _a = l.accounts();
    let _b = l.balances(); // learns accounts -> balances, inside `balances`
}

fn audit(l: &Ledger) {
    let _b = l.balances();
    let _a = l.accounts(); // balances -> accounts closes the cycle, inside `accounts`
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "a release build has no line tables by default: no frames, no note"
)]
fn a_lock_taken_in_a_helper_names_the_helpers_caller() {
    let l = Ledger::new();
    transfer(&l);
    let ((), found) = capture_violations(|| audit(&l));
    assert_eq!(found.len(), 1);
    let text = found[0].to_string();
    // The acquisition that closed the cycle: in `accounts`, called from `audit`.
    assert!(
        text.contains("(taken inside `helper_caller::Ledger::accounts`, called from `helper_caller::audit` at tests/helper_caller.rs:37:")
            && text.contains("`#[track_caller]` on `accounts` makes reports name its callers"),
        "{text}"
    );
    // The order learned earlier: in `balances`, called from `transfer`.
    assert!(
        text.contains("(taken inside `helper_caller::Ledger::balances`, called from `helper_caller::transfer` at tests/helper_caller.rs:32:"),
        "{text}"
    );
}

struct Marked {
    accounts: Mutex<u64>,
    balances: Mutex<u64>,
}

impl Marked {
    #[track_caller]
    fn accounts(&self) -> MutexGuard<'_, u64> {
        self.accounts.lock()
    }

    #[track_caller]
    fn balances(&self) -> MutexGuard<'_, u64> {
        self.balances.lock()
    }
}

#[test]
fn a_track_caller_helper_needs_no_note() {
    let l = Marked {
        accounts: Mutex::named("marked.accounts", 0),
        balances: Mutex::named("marked.balances", 0),
    };
    {
        let _a = l.accounts();
        let _b = l.balances();
    }
    let ((), found) = capture_violations(|| {
        let _b = l.balances();
        let _a = l.accounts();
    });
    assert_eq!(found.len(), 1);
    let text = found[0].to_string();
    assert!(!text.contains("taken inside"), "{text}");
    // The sites are the callers' lines already.
    assert!(text.contains("is acquiring `marked.accounts`"), "{text}");
    assert!(text.contains("tests/helper_caller.rs:89:"), "{text}");
}

/// A helper returning its own type that holds the guard (tracing-core's `rebuilder` returns an
/// enum of guards), and one running a closure under the lock: both helpers, both named with
/// their callers.
enum Access<'a> {
    Read(MutexGuard<'a, u64>),
}

struct Books {
    accounts: Mutex<u64>,
    balances: Mutex<u64>,
}

impl Books {
    fn access(&self) -> Access<'_> {
        Access::Read(self.accounts.lock())
    }

    fn with_balances<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        let mut g = self.balances.lock();
        f(&mut g)
    }
}

fn post(b: &Books) {
    let Access::Read(_a) = b.access();
    b.with_balances(|_| ()); // learns accounts -> balances, inside `with_balances`
}

fn reconcile(b: &Books) {
    b.with_balances(|_| {
        let _a = b.access(); // balances -> accounts, inside `access`
    });
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "a release build has no line tables by default: no frames, no note"
)]
fn helpers_returning_a_guard_holder_or_running_a_closure_name_their_callers() {
    let b = Books {
        accounts: Mutex::named("books.accounts", 0),
        balances: Mutex::named("books.balances", 0),
    };
    post(&b);
    let ((), found) = capture_violations(|| reconcile(&b));
    assert_eq!(found.len(), 1);
    let text = found[0].to_string();
    assert!(
        text.contains("(taken inside `helper_caller::Books::access`, called from `helper_caller::reconcile::{{closure}}` at tests/helper_caller.rs:"),
        "{text}"
    );
    assert!(
        text.contains("(taken inside `helper_caller::Books::with_balances`, called from `helper_caller::post` at tests/helper_caller.rs:"),
        "{text}"
    );
    assert!(
        text.contains("`#[track_caller]` on `access` makes reports name its callers"),
        "{text}"
    );
}
