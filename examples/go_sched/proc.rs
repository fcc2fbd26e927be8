//! Ms, the scheduler's lists of them, and the paths that move Ms between lists.

use std::sync::Arc;

use lockcheck::Mutex;

use crate::trace::trace_thread_destroy;

/// An M: an OS thread's runtime state.
pub(crate) struct M {
    pub(crate) id: u64,
}

/// Go's `sched`, with the lists it guards.
pub(crate) struct Sched {
    pub(crate) allm: Vec<Arc<M>>,
    pub(crate) freem: Vec<Arc<M>>,
    next_id: u64,
}

pub(crate) static SCHED: Mutex<Sched> = Mutex::named(
    "sched",
    Sched {
        allm: Vec::new(),
        freem: Vec::new(),
        next_id: 1,
    },
);

/// Ms kept for threads the runtime did not create (cgo callbacks).
static EXTRA_M: Mutex<Vec<Arc<M>>> = Mutex::named("extraM", Vec::new());

/// Go's `allocm`: frees the Ms on `sched.freem` (destroying their trace state under
/// `sched.lock`), then makes a new M and links it into `allm`.
pub(crate) fn allocm() -> Arc<M> {
    let mut sched = SCHED.lock();
    for mp in std::mem::take(&mut sched.freem) {
        trace_thread_destroy(&mp);
    }
    let mp = Arc::new(M { id: sched.next_id });
    sched.next_id += 1;
    sched.allm.push(Arc::clone(&mp));
    mp
}

/// Go's `needm`: a foreign thread borrows an extra M.
pub(crate) fn needm() -> Arc<M> {
    let extra = EXTRA_M.lock().pop();
    extra.unwrap_or_else(allocm)
}

/// Go's `dropm` before the fix: `trace_thread_destroy` without `sched.lock`.
pub(crate) fn dropm_before_fix(mp: Arc<M>) {
    trace_thread_destroy(&mp);
    EXTRA_M.lock().push(mp);
}

/// Go's `dropm` after the fix: `sched.lock` is held across `trace_thread_destroy`.
pub(crate) fn dropm(mp: Arc<M>) {
    {
        let _sched = SCHED.lock();
        trace_thread_destroy(&mp);
    }
    EXTRA_M.lock().push(mp);
}

/// Threads doing needm/dropm while others allocate and free Ms.
pub(crate) fn run_concurrently(foreign: usize, allocators: usize, rounds: usize) {
    let mut threads = Vec::new();
    for i in 0..foreign {
        threads.push(
            std::thread::Builder::new()
                .name(format!("cgo-callback-{i}"))
                .spawn(move || {
                    for _ in 0..rounds {
                        let mp = needm();
                        dropm(mp);
                    }
                })
                .expect("spawn"),
        );
    }
    for i in 0..allocators {
        threads.push(
            std::thread::Builder::new()
                .name(format!("m{}", i + 1))
                .spawn(move || {
                    for _ in 0..rounds {
                        let mp = allocm();
                        SCHED.lock().freem.push(mp);
                    }
                })
                .expect("spawn"),
        );
    }
    for t in threads {
        t.join().expect("thread");
    }
}

pub(crate) fn allm_len() -> usize {
    SCHED.lock().allm.len()
}
