//! A broken contract is one report per call site, per calling function and per held set, in
//! every build: in a release build with `release-checks` (no line tables) the caller's name
//! (when a frame of it is left: not after a tail call) and the held set still tell the reports
//! apart. One test: it sets the action.

use lockcheck::{requires_lock, set_action, Action, Mutex};

static STATE: Mutex<u32> = Mutex::named("contract-reports-state", 0);
static OTHER: Mutex<u32> = Mutex::named("contract-reports-other", 0);

#[requires_lock(STATE)]
#[inline(never)]
fn flush() {}

// Not tail calls: a tail call leaves no frame of its caller for a backtrace to name.
#[inline(never)]
fn first_caller() {
    flush();
    std::hint::black_box(1);
}

#[inline(never)]
fn second_caller() {
    flush();
    std::hint::black_box(2);
}

#[inline(never)]
fn third_caller() {
    let _o = OTHER.lock();
    flush();
}

fn reports_of_flush() -> usize {
    lockcheck::reported()
        .iter()
        .filter(|v| {
            matches!(&v.kind, lockcheck::ViolationKind::Contract { function, .. } if function == "flush")
        })
        .count()
}

#[test]
fn each_caller_and_held_set_is_its_own_report() {
    if !lockcheck::ENABLED {
        return;
    }
    set_action(Action::Log);
    first_caller();
    second_caller();
    third_caller();
    // The same broken calls again: nothing new.
    first_caller();
    second_caller();
    third_caller();
    // A held set of its own, from a caller seen before.
    {
        let _o = OTHER.lock();
        first_caller();
    }
    set_action(Action::Panic);
    assert_eq!(reports_of_flush(), 4, "{:#?}", lockcheck::reported());
}

#[requires_lock(STATE)]
async fn flush_async() -> u32 {
    7
}

/// Polls a future that never waits to completion, on this thread.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn an_async_contract_says_it_was_checked_at_its_first_poll() {
    let (out, found) = lockcheck::capture_violations(|| block_on(flush_async()));
    assert_eq!(out, 7);
    if !lockcheck::ENABLED {
        return;
    }
    assert_eq!(found.len(), 1);
    let text = found[0].to_string();
    assert!(
        text.contains("an async fn, checked at its first poll"),
        "{text}"
    );
    assert!(!text.contains("line tables"), "{text}");
    let lockcheck::ViolationKind::Contract { asynchronous, .. } = found[0].kind else {
        panic!("{text}");
    };
    assert!(asynchronous);
}
