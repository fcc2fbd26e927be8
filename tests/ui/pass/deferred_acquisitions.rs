//! A function that requires a lock may build code that takes it later: a thread it spawns, a
//! closure it returns, an `async` block, a nested function. None of it runs while the caller's
//! hold is the one that blocks it, so none of it is a compile-time self-deadlock.

use lockcheck::{requires_lock, Mutex};

static SCHED: Mutex<u32> = Mutex::named("deferred-sched", 0);

#[requires_lock(SCHED)]
fn spawn_worker() -> std::thread::JoinHandle<u32> {
    std::thread::spawn(|| *SCHED.lock())
}

#[requires_lock(SCHED)]
fn later() -> impl Fn() -> u32 {
    move || *SCHED.lock()
}

#[requires_lock(SCHED)]
fn future() -> impl std::future::Future<Output = u32> {
    async { *SCHED.lock() }
}

#[requires_lock(SCHED)]
fn with_helper() -> u32 {
    fn helper() -> u32 {
        *SCHED.lock()
    }
    let _ = helper;
    0
}

fn main() {
    let held = SCHED.lock();
    let worker = spawn_worker();
    let f = later();
    let fut = future();
    let _ = with_helper();
    drop(held);
    assert_eq!(worker.join().unwrap(), 0);
    assert_eq!(f(), 0);
    drop(fut);
}
