//! Gate locks: a cycle whose every order was only ever taken while one common lock `G` was held
//! cannot deadlock (two threads would first have to hold `G` at once). This is the "guard lock"
//! rule of GoodLock (Havelund; Bensalem and Havelund, "Dynamic deadlock analysis of multi-
//! threaded programs", 2005), which lockdep, WITNESS and tracing-mutex do not have.
//!
//! Each order edge keeps its gate: the other locks held at every observation of it (the
//! intersection of the held sets, `graph.rs`). An edge that closes cycles while locks are held
//! is reported only if some cycle it closes is unguarded: a walk back whose edges, for every
//! lock of the closing edge's gate, include one observed without it (`OrderGraph::
//! ungated_path`). Otherwise it is kept here. The moment an edge is taken without a lock of its
//! gate (a thread's cache knows a gated edge only while it holds the whole gate, so that
//! observation reaches the graph), the kept edges are checked again, and a cycle that became
//! unguarded is reported, saying which observation broke the gate.

use crate::class::LockKey;
use crate::graph::{OrderGraph, Path};
use crate::internal::Internal;

/// A closing edge whose every cycle was guarded by a gate lock, kept and not reported.
pub(crate) struct GatedCycle {
    /// The edge that closed it (never in the graph: the graph stays acyclic).
    pub(crate) closing: (LockKey, LockKey),
    /// The other locks held at every observation of the closing edge so far.
    pub(crate) closing_gate: Vec<LockKey>,
    /// Where the closing edge's ends were first taken, and by which thread.
    pub(crate) closing_sites: (
        &'static std::panic::Location<'static>,
        &'static std::panic::Location<'static>,
        &'static str,
    ),
}

static GATED: Internal<Vec<GatedCycle>> = Internal::new(Vec::new());

/// The locks in both `a` and `b`.
fn intersect(a: &[LockKey], b: &[LockKey]) -> Vec<LockKey> {
    a.iter().copied().filter(|k| b.contains(k)).collect()
}

/// The gate of the closing edge `from -> to` observed while `others` were held: `others`,
/// narrowed by every earlier observation of it.
pub(crate) fn closing_gate(from: LockKey, to: LockKey, others: &[LockKey]) -> Vec<LockKey> {
    let gated = GATED.lock();
    match gated.iter().find(|c| c.closing == (from, to)) {
        Some(c) => intersect(others, &c.closing_gate),
        None => others.to_vec(),
    }
}

/// Keeps a gated closing edge (once: a later observation narrows its gate).
pub(crate) fn keep(cycle: GatedCycle) {
    let mut gated = GATED.lock();
    match gated.iter_mut().find(|c| c.closing == cycle.closing) {
        Some(c) => c.closing_gate = intersect(&c.closing_gate, &cycle.closing_gate),
        None => gated.push(cycle),
    }
}

/// The gated closing edge `from -> to`, taken out: it was just found to close an unguarded
/// cycle, which is being reported.
pub(crate) fn take_closed_by(from: LockKey, to: LockKey) -> Option<GatedCycle> {
    let mut gated = GATED.lock();
    let at = gated.iter().position(|c| c.closing == (from, to))?;
    Some(gated.swap_remove(at))
}

/// The kept closing edges that now close an unguarded cycle (an edge was just taken without a
/// lock of its gate), taken out with that cycle's path, to be reported.
pub(crate) fn opened(graph: &OrderGraph) -> Vec<(GatedCycle, Path)> {
    let mut gated = GATED.lock();
    let mut opened = Vec::new();
    let mut i = 0;
    while i < gated.len() {
        let c = &gated[i];
        match graph.ungated_path(c.closing.1, c.closing.0, &c.closing_gate) {
            Some(path) => opened.push((gated.swap_remove(i), path)),
            None => i += 1,
        }
    }
    opened
}

/// Forgets every kept cycle (with the learned orders).
pub(crate) fn forget() {
    GATED.lock().clear();
}
