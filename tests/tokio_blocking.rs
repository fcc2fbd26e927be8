//! Blocking locks with the `tokio` feature on: a blocking lock's entry goes on its thread's
//! stack, and while no task holds an async lock without asking tokio which task runs (no task
//! stack is made for it); an async lock taken then goes on its task's stack, ordered after the
//! blocking locks the thread holds; and a blocking entry taken before the first task held an
//! async lock is still found, queried and released after.
//!
//! One test, in a process of its own: it counts the task stacks lockcheck keeps, which other
//! tests running alongside would change.
#![cfg(all(feature = "tokio", any(debug_assertions, feature = "release-checks")))]

use lockcheck::tokio::{announced_task_stacks, tasks_with_held_stacks, Mutex};
use lockcheck::Violation;

fn reports(kind: &str, class: &str) -> Vec<Violation> {
    lockcheck::reported()
        .into_iter()
        .filter(|v| v.kind_name() == kind && v.to_string().contains(class))
        .collect()
}

fn learned(from: &str, to: &str) -> bool {
    lockcheck::report()
        .edges
        .iter()
        .any(|e| e.edge.from == from && e.edge.to == to)
}

#[test]
fn blocking_locks_stay_on_their_thread_until_a_task_holds_an_async_lock() {
    static S: lockcheck::RwLock<u8> = lockcheck::RwLock::named("ride-s", 0);
    static T: lockcheck::Mutex<u8> = lockcheck::Mutex::named("ride-t", 0);
    static A: Mutex<u8> = Mutex::named("ride-a", 0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        // Blocking locks in tasks, no async lock held anywhere: nested, their order learned,
        // and no task stack made for them.
        for _ in 0..3 {
            tokio::spawn(async {
                let _s = S.read();
                drop(T.lock());
            })
            .await
            .unwrap();
        }
        assert!(learned("ride-s", "ride-t"));
        assert_eq!(
            tasks_with_held_stacks(),
            0,
            "no task stack for blocking locks"
        );
        assert_eq!(announced_task_stacks(), 0);

        // A task takes `s` (on its thread's stack: nothing async is held yet), then the async
        // `a` across an `.await` (a `spawn_local` task need not be `Send`): `a` goes on the
        // task's stack, ordered after `s`.
        tokio::task::spawn_local(async {
            let s = S.read();
            let a = A.lock().await;
            assert_eq!(announced_task_stacks(), 1, "the task holds an async lock");
            tokio::task::yield_now().await;
            // Asked for now through the task (a task holds an async lock): `s`, on the
            // thread's stack, is still held, and so is `a`.
            assert!(S.is_held());
            assert!(A.is_held());
            // (The order between the thread's entries and the task's is not kept: the task's
            // come first, as when a blocking lock is taken under an async one.)
            let mut held: Vec<String> = lockcheck::held_locks()
                .into_iter()
                .map(|h| h.class)
                .collect();
            held.sort();
            assert_eq!(held, ["ride-a", "ride-s"]);
            // A read guard released out of order, found on the thread's stack: no stale entry
            // is left, so taking `s` for writing afterwards is no recursive lock.
            drop(s);
            drop(a);
            assert!(lockcheck::held_locks().is_empty());
            drop(S.write());
        })
        .await
        .unwrap();
        assert!(learned("ride-s", "ride-a"), "s -> a learned");

        // The reverse order, in another task: reported.
        let reversed = tokio::spawn(async {
            let _a = A.lock().await;
            drop(S.read());
        })
        .await;
        assert!(reversed.unwrap_err().is_panic());
    });
    assert_eq!(reports("order-cycle", "ride-a").len(), 1);

    // The tasks have ended; their stacks are swept as blocking lock operations go on (every
    // 65,536 lookups a thread makes), and blocking locks then stop asking tokio again.
    assert!(announced_task_stacks() > 0);
    for _ in 0..70_000 {
        drop(T.lock());
    }
    assert_eq!(
        announced_task_stacks(),
        0,
        "the ended tasks' stacks were swept"
    );
}
