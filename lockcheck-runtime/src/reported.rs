//! What this process has reported: each distinct violation once (a cycle seen a thousand times
//! is one report, not a flood), kept for the report file and [`reported`]. Captured violations
//! are remembered apart: a test that expects a violation does not hide the same violation from
//! the rest of the process.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::panic::Location;
use std::sync::{Arc, LazyLock};

use crate::internal::Internal;
use crate::violation::Violation;

/// Violations seen so far, by [`Violation::dedup_key`].
static SEEN: LazyLock<Internal<HashSet<String>>> = LazyLock::new(Default::default);
/// Cycles seen so far, each as a 128-bit hash of its edge set.
static SEEN_CYCLES: Internal<BTreeSet<(u64, u64, bool)>> = Internal::new(BTreeSet::new());
/// Inversions reported so far: per closing edge and acquisition site, the locks of each cycle
/// reported there.
#[allow(clippy::type_complexity)]
static SEEN_INVERSIONS: Internal<BTreeMap<(u64, usize, bool), Vec<Vec<u32>>>> =
    Internal::new(BTreeMap::new());
/// Every distinct violation, first occurrence first; shared, so a long cycle is not copied.
static REPORTED: Internal<Vec<Arc<Violation>>> = Internal::new(Vec::new());

/// Every distinct violation reported so far in this process, in order; captured ones too (with
/// [`Violation::captured`] set), each once per capture-free process history as well.
pub fn reported() -> Vec<Violation> {
    REPORTED
        .lock()
        .iter()
        .map(|v| Violation::clone(v))
        .collect()
}

/// Forgets every violation reported (see `check::forget_learned_orders`).
pub(crate) fn forget_reported() {
    SEEN.lock().clear();
    SEEN_CYCLES.lock().clear();
    SEEN_INVERSIONS.lock().clear();
    REPORTED.lock().clear();
}

/// Whether a violation with this [`Violation::dedup_key`] is seen for the first time (by a
/// capture, or not); remembers it.
pub(crate) fn first_sight_of_key(key: &str, captured: bool) -> bool {
    let space = if captured { "captured " } else { "" };
    SEEN.lock().insert(format!("{space}{key}"))
}

/// Keeps a first-seen violation for the report.
pub(crate) fn record(v: &Arc<Violation>) {
    REPORTED.lock().push(Arc::clone(v));
}

/// Whether the cycle made of these edges (`LockKey::edge_bits`, in any order) is seen for the
/// first time in this process; remembers it. Captured violations are remembered apart: a test
/// that expects a cycle does not hide the same cycle from the rest of the process.
pub(crate) fn first_sight_of_cycle(edges: impl Iterator<Item = u64>, captured: bool) -> bool {
    let (h1, h2) = edge_set_hash(edges);
    SEEN_CYCLES.lock().insert((h1, h2, captured))
}

/// Whether a cycle closed by `closing` (an edge word) at `site`, through the locks `nodes`, is a
/// new inversion there; remembers it. It is not when an earlier report at that same acquisition
/// already went through all of its locks: the same inverted call site, whose cycle only got
/// shorter because a more direct order was learned since (one place, one report). A cycle
/// through a lock not seen there before is new.
pub(crate) fn first_sight_of_inversion(
    closing: u64,
    site: &'static Location<'static>,
    nodes: impl Iterator<Item = u32>,
    captured: bool,
) -> bool {
    let mut nodes: Vec<u32> = nodes.collect();
    nodes.sort_unstable();
    nodes.dedup();
    let key = (closing, site as *const Location<'static> as usize, captured);
    let mut seen = SEEN_INVERSIONS.lock();
    let earlier = seen.entry(key).or_default();
    let covered = earlier
        .iter()
        .any(|e| nodes.iter().all(|n| e.binary_search(n).is_ok()));
    if !covered {
        earlier.push(nodes);
    }
    !covered
}

/// A hash of a set of edges that does not depend on their order: two sums of independent mixes
/// of each edge word (a multiset hash), O(n) where sorting a 10,000-edge cycle was not.
fn edge_set_hash(edges: impl Iterator<Item = u64>) -> (u64, u64) {
    fn mix(mut x: u64, k: u64) -> u64 {
        // splitmix64's finalizer, keyed.
        x = x.wrapping_add(k);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    edges.fold((0, 0), |(a, b), e| {
        (
            a.wrapping_add(mix(e, 0x9E37_79B9_7F4A_7C15)),
            b.wrapping_add(mix(e, 0xD1B5_4A32_D192_ED03)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::edge_set_hash;

    #[test]
    fn a_cycle_is_known_by_its_edge_set_whatever_the_order() {
        let edges: Vec<u64> = (1..=500u64).map(|i| (i << 32) | (i + 1)).collect();
        let forward = edge_set_hash(edges.iter().copied());
        let backward = edge_set_hash(edges.iter().rev().copied());
        assert_eq!(forward, backward);
        // One edge different, one missing, one more: all different sets.
        let mut other = edges.clone();
        other[250] ^= 1;
        assert_ne!(edge_set_hash(other.iter().copied()), forward);
        assert_ne!(edge_set_hash(edges[1..].iter().copied()), forward);
        assert_ne!(edge_set_hash(edges.iter().copied().chain([7])), forward);
        // The two rotations of a two-edge cycle are one cycle; its reverse pair is another set.
        let (ab, ba) = ((1u64 << 32) | 2, (2u64 << 32) | 1);
        assert_eq!(
            edge_set_hash([ab, ba].into_iter()),
            edge_set_hash([ba, ab].into_iter())
        );
        assert_ne!(
            edge_set_hash([ab].into_iter()),
            edge_set_hash([ba].into_iter())
        );
    }
}
