//! Gate locks: a cycle whose every order was only ever taken while one common lock `G` was held
//! cannot deadlock (two threads would first have to hold `G` at once). This is the "guard lock"
//! rule of GoodLock (Havelund; Bensalem and Havelund, "Dynamic deadlock analysis of multi-
//! threaded programs", 2005), which lockdep, WITNESS and tracing-mutex do not have.
//!
//! A gate is one lock *instance* held *exclusively* (a mutex, a write lock, an exclusive
//! `try_lock`) at every observation: two threads can both hold a read lock, and two threads can
//! hold two locks of one class (per-connection locks named alike, or built at one site in a
//! loop), so neither proves that the orders exclude each other. Each order edge keeps its gate:
//! the other lock instances held exclusively at every observation of it (the intersection,
//! [`EdgeInfo::gate`]). A gate lock that is dropped leaves every gate (a new lock at its address
//! is another instance). An edge that closes cycles while locks
//! are held is reported only if some cycle it closes is unguarded: a walk back whose edges, for
//! every lock of the closing edge's gate, include one observed without it
//! ([`OrderGraph::ungated_path`]). Otherwise it is kept here, beside the graph and under the
//! graph's lock. The moment an edge is taken without a lock of its gate (a thread's cache knows
//! a gated edge only while it holds the whole gate, so that observation reaches the graph), the
//! kept edges are checked again, and a cycle that became unguarded is reported, saying which
//! observation broke the gate.

use super::order::{EdgeInfo, OrderGraph, Path};
use crate::held_lock::GateLock;
use crate::key::LockKey;

/// An order edge that closes a cycle, as first observed: never in the order graph (the graph
/// stays acyclic). Kept here while every cycle it closes is guarded by a gate lock.
#[derive(Clone, Debug)]
pub(crate) struct ClosingEdge {
    /// The held lock of the closing edge.
    pub(crate) from: LockKey,
    /// The lock acquired while `from` was held.
    pub(crate) to: LockKey,
    /// Where the closing edge was first taken, by which thread, and its gate: the other locks
    /// held at every observation of it so far.
    pub(crate) info: EdgeInfo,
}

/// A kept gated cycle that an observation just left unguarded, with the unguarded path back.
pub(crate) struct Opened {
    /// The kept closing edge.
    pub(crate) closing: ClosingEdge,
    /// The walk from its target back to its source that no gate lock guards throughout.
    pub(crate) path: Path,
}

/// The closing edges kept because every cycle they close is guarded.
#[derive(Default)]
pub(crate) struct Gates {
    kept: Vec<ClosingEdge>,
}

/// The locks in both `a` and `b`.
fn intersect(a: &[GateLock], b: &[GateLock]) -> Vec<GateLock> {
    a.iter().copied().filter(|k| b.contains(k)).collect()
}

impl Gates {
    /// The gate of the closing edge `from -> to` observed while `others` were held: `others`,
    /// narrowed by every earlier observation of it.
    pub(crate) fn closing_gate(
        &self,
        from: LockKey,
        to: LockKey,
        others: &[GateLock],
    ) -> Vec<GateLock> {
        match self.kept.iter().find(|c| (c.from, c.to) == (from, to)) {
            Some(c) => intersect(others, &c.info.gate),
            None => others.to_vec(),
        }
    }

    /// Keeps a gated closing edge (once: a later observation narrows its gate).
    pub(crate) fn keep(&mut self, cycle: ClosingEdge) {
        match self
            .kept
            .iter_mut()
            .find(|c| (c.from, c.to) == (cycle.from, cycle.to))
        {
            Some(c) => c.info.gate = intersect(&c.info.gate, &cycle.info.gate),
            None => self.kept.push(cycle),
        }
    }

    /// The gated closing edge `from -> to`, taken out: it was just found to close an unguarded
    /// cycle, which is being reported.
    pub(crate) fn take_closed_by(&mut self, from: LockKey, to: LockKey) -> Option<ClosingEdge> {
        let at = self
            .kept
            .iter()
            .position(|c| (c.from, c.to) == (from, to))?;
        Some(self.kept.swap_remove(at))
    }

    /// Forgets the lock instance `instance` in every kept gate: it was dropped, and a new lock
    /// at its address is another instance.
    pub(crate) fn forget_instance(&mut self, instance: usize) {
        for c in &mut self.kept {
            c.info.gate.retain(|g| g.instance != instance);
        }
    }

    /// The kept closing edges that now close an unguarded cycle (an edge was just taken without
    /// a lock of its gate), taken out with that cycle's path, to be reported.
    pub(crate) fn opened(&mut self, graph: &OrderGraph) -> Vec<Opened> {
        let mut opened = Vec::new();
        let mut i = 0;
        while i < self.kept.len() {
            let c = &self.kept[i];
            match graph.ungated_path(c.to, c.from, &c.info.gate) {
                Some(path) => opened.push(Opened {
                    closing: self.kept.swap_remove(i),
                    path,
                }),
                None => i += 1,
            }
        }
        opened
    }
}
