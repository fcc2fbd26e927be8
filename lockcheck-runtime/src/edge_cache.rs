//! The per-thread cache of order edges already accepted into the global graph (lockdep's chain
//! cache, per edge): what lets a nested acquisition whose orders are known skip the graph.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::hasher::{EdgeSet, KeyMap};
use crate::held_lock::{GateLock, HeldLock};

/// Slots of the per-thread direct-mapped edge cache (a power of two).
pub(crate) const RECENT_EDGES: usize = 256;

/// The order edges this thread has already seen accepted into the global graph (lockdep's chain
/// cache, per edge). Edges are never removed from the graph, so an entry never goes stale; the
/// epoch drops the whole cache when a new rank table must re-check every edge.
pub(crate) struct EdgeCache {
    /// Every known edge whose gate is empty.
    known: EdgeSet,
    /// Known edges with a gate (`gates.rs`): known only while every lock of the gate is held
    /// (an observation without it must reach the graph, which may then report a cycle).
    gated: KeyMap<u64, Vec<(GateLock, u32)>>,
    /// A direct-mapped front for `known`: one multiply, one load, one compare per held lock on
    /// the nested-acquisition path. 0 is never an edge (class ids start at 1).
    recent: [u64; RECENT_EDGES],
    /// The same for edges whose gate is one lock (the usual gate: the outermost lock of a
    /// three-deep nesting): the edge and its gate's instance, probed only when `recent` misses.
    recent_gated: [(u64, usize, u32); RECENT_EDGES],
    /// Edges reported at an acquisition site, by edge word and site address: not asked about
    /// again at that site (`check::refused`).
    refused: KeyMap<(u64, usize), ()>,
    epoch: u64,
}

/// How many gate locks were dropped, per bucket of lock addresses. A gated entry keeps, for
/// each lock of its gate, its bucket's count when the entry was learned: a lock dropped since
/// (its bucket moved on) is no gate any more — a new lock at its address is another instance.
/// Per bucket, so a gate lock dropped elsewhere in the program costs this thread nothing (but
/// a one-in-1024 collision, which only makes it ask the graph again).
static GATE_DROPS: [AtomicU32; GATE_BUCKETS] = [const { AtomicU32::new(0) }; GATE_BUCKETS];

const GATE_BUCKETS: usize = 1024;

fn bucket(instance: usize) -> &'static AtomicU32 {
    &GATE_DROPS[(instance.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) % GATE_BUCKETS]
}

/// The drop count of `instance`'s bucket now.
fn drops(instance: usize) -> u32 {
    bucket(instance).load(Ordering::Acquire)
}

/// A gate lock is being dropped (after it left the graph's gates): every gated entry that
/// names it stops being known.
pub(crate) fn gate_dropped(instance: usize) {
    bucket(instance).fetch_add(1, Ordering::Release);
}

impl EdgeCache {
    pub(crate) const fn new() -> Self {
        EdgeCache {
            known: HashSet::with_hasher(BuildHasherDefault::new()),
            gated: std::collections::HashMap::with_hasher(BuildHasherDefault::new()),
            recent: [0; RECENT_EDGES],
            recent_gated: [(0, 0, 0); RECENT_EDGES],
            refused: std::collections::HashMap::with_hasher(BuildHasherDefault::new()),
            epoch: 0,
        }
    }

    /// Whether this thread knows `edge`, offered by the held lock `offering` (an instance),
    /// while holding `held`: the direct-mapped caches inline (an ungated edge: one compare; a
    /// one-lock gate: one more, and the gate looked up in the held stack), then the set and the
    /// gated map out of line (promoting a hit).
    ///
    /// The lock that offers the edge is no gate of its own observation (the graph's gate is
    /// "the *other* locks held", `decide.rs`): a gate learned from another observation that
    /// names it is not held for this one, and the graph must be asked.
    #[inline(always)]
    pub(crate) fn knows(&mut self, edge: u64, offering: usize, held: &[HeldLock]) -> bool {
        let slot = (edge.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % RECENT_EDGES;
        if self.recent[slot] == edge {
            return true;
        }
        let (gated, gate, count) = self.recent_gated[slot];
        if gated == edge
            && gate != offering
            && drops(gate) == count
            && held
                .iter()
                .any(|h| h.instance == gate && h.mode_is_exclusive())
        {
            return true;
        }
        self.knows_slow(edge, offering, slot, held)
    }

    #[cold]
    #[inline(never)]
    fn knows_slow(&mut self, edge: u64, offering: usize, slot: usize, held: &[HeldLock]) -> bool {
        if self.known.contains(&edge) {
            self.recent[slot] = edge;
            return true;
        }
        match self.gated.get(&edge) {
            Some(gate) if holds_all(held, offering, gate) => {
                if let [one] = gate.as_slice() {
                    self.recent_gated[slot] = (edge, one.0.instance, one.1);
                }
                true
            }
            _ => false,
        }
    }

    /// Brings the cache up to the global epoch (a new rank table empties it).
    #[inline(always)]
    pub(crate) fn sync_epoch(&mut self, epoch: u64) {
        if self.epoch != epoch {
            self.forget(epoch);
        }
    }

    /// Forgets every edge known or refused (the thread asks the global graph again).
    pub(crate) fn forget_all(&mut self) {
        self.forget(self.epoch);
    }

    /// Frees the sets' buffers (the thread is ending).
    pub(crate) fn free(&mut self) {
        self.known = EdgeSet::default();
        self.gated = KeyMap::default();
        self.refused = KeyMap::default();
    }

    /// Remembers that the edge was reported when taken at `site` (see `check::refused`).
    pub(crate) fn refuse(&mut self, edge: u64, site: &'static Location<'static>) {
        self.refused.insert((edge, site as *const _ as usize), ());
    }

    /// Whether the edge was reported when taken at `site` on this thread.
    pub(crate) fn has_refused(&self, edge: u64, site: &'static Location<'static>) -> bool {
        !self.refused.is_empty()
            && self
                .refused
                .contains_key(&(edge, site as *const _ as usize))
    }

    /// Whether this thread has seen the edge (`LockKey::edge_bits`) accepted, and, if it has a
    /// gate, holds the whole gate now (`held`) in locks other than `offering` (see `knows`).
    pub(crate) fn has_learned(&self, edge: u64, offering: usize, held: &[HeldLock]) -> bool {
        self.known.contains(&edge)
            || self
                .gated
                .get(&edge)
                .is_some_and(|gate| holds_all(held, offering, gate))
    }

    /// Records that the global graph accepted the edge with this gate (or, for a gated cycle,
    /// found it harmless while the gate is held): this thread need not ask again while it holds
    /// the gate, or ever when the gate is empty.
    pub(crate) fn learn(&mut self, edge: u64, gate: Vec<GateLock>) {
        if gate.is_empty() {
            self.gated.remove(&edge);
            self.known.insert(edge);
            // A gated slot of this edge would keep asking for a gate it no longer needs.
            for slot in self.recent_gated.iter_mut().filter(|s| s.0 == edge) {
                *slot = (0, 0, 0);
            }
        } else {
            let gate = gate.into_iter().map(|g| (g, drops(g.instance))).collect();
            self.gated.insert(edge, gate);
        }
    }

    #[cold]
    fn forget(&mut self, epoch: u64) {
        self.known.clear();
        self.gated.clear();
        self.refused.clear();
        self.recent = [0; RECENT_EDGES];
        self.recent_gated = [(0, 0, 0); RECENT_EDGES];
        self.epoch = epoch;
    }
}

/// Whether `held` holds every lock of `gate`, each exclusively, none of them the lock `offering`
/// the edge, and none was dropped since the entry was learned (its bucket's count is the one
/// kept).
fn holds_all(held: &[HeldLock], offering: usize, gate: &[(GateLock, u32)]) -> bool {
    gate.iter().all(|(g, count)| {
        g.instance != offering && drops(g.instance) == *count && held.iter().any(|h| h.is_gate(g))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{ClassId, LockKey};
    use crate::mode::Mode;

    fn held(instance: usize, class: u32) -> HeldLock {
        let key = LockKey::new(ClassId::for_test(class), 0);
        HeldLock::new(instance, key, Mode::Exclusive, Location::caller())
    }

    /// A gate learned from one observation may name a lock that later offers the edge itself
    /// (two instances of its class held): that lock is no gate of its own observation, so the
    /// edge is not known then, and the graph is asked (the model test's seed `d4c8d5c8`).
    #[test]
    fn the_lock_offering_an_edge_is_no_gate_of_it() {
        let (p, q, r) = (held(0x1000, 1), held(0x2000, 1), held(0x3000, 2));
        let edge = p.key().edge_bits(LockKey::new(ClassId::for_test(3), 0));
        let mut cache = EdgeCache::new();
        // Learned when `q` offered it, `p` and `r` held: gate {p, r}.
        cache.learn(edge, vec![p.as_gate().unwrap(), r.as_gate().unwrap()]);
        let stack = [p, r, q];
        assert!(cache.has_learned(edge, q.instance, &stack));
        assert!(cache.knows(edge, q.instance, &stack));
        // Offered by `p` itself: its gate is {r} at most.
        assert!(!cache.has_learned(edge, p.instance, &stack));
        assert!(!cache.knows(edge, p.instance, &stack));
        // A one-lock gate through the direct-mapped front: the same.
        let mut cache = EdgeCache::new();
        cache.learn(edge, vec![p.as_gate().unwrap()]);
        assert!(cache.knows(edge, q.instance, &stack));
        assert!(
            cache.knows(edge, q.instance, &stack),
            "promoted to the front"
        );
        assert!(!cache.knows(edge, p.instance, &stack));
    }
}
