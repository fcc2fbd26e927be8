//! The execution tracer's view of threads: one buffer per M, gathered under `trace.lock`.

use lockcheck::{requires_lock, Mutex};

use crate::proc::{M, SCHED};

/// Buffers flushed from threads that left the tracer's view.
pub(crate) static TRACE: Mutex<Vec<u64>> = Mutex::named("trace", Vec::new());

/// Go's `traceThreadDestroy`: flushes `mp`'s trace buffer. Requires `sched.lock`: a thread
/// must not leave the tracer's view (allm or freem) without the tracer noticing.
#[requires_lock(SCHED)]
pub(crate) fn trace_thread_destroy(mp: &M) {
    let mut t = TRACE.lock(); // sched -> trace, as in Go
    t.push(mp.id);
}

/// A flusher that walks every M's state: it takes `trace.lock`, then `sched.lock` — the
/// reverse of `trace_thread_destroy`'s order.
pub(crate) fn flush_all() {
    let t = TRACE.lock();
    let sched = SCHED.lock();
    let _ = (t.len(), sched.allm.len());
}
