//! Orders between instances of one site class.
//!
//! Locks whose class comes from a construction site can share it for reasons that say nothing
//! about their role: the fields of a `#[derive(Default)]` struct, the locks one macro builds, a
//! `Vec` of locks made by `.map(Mutex::new)`. Two of them nested is ordinary code, so instead of
//! lockdep's "possible recursive locking" (which a *named* class still gets) the order is learned
//! between the two instances, and only an inversion between instances is reported: instance 1
//! then instance 2 in one place, 2 then 1 in another.
//!
//! An instance is its lock's address, so its orders are forgotten when the lock is dropped: an
//! order `1 -> 2` goes when lock 2 (the one acquired, marked then) is dropped, so dropping any
//! other lock costs one load. (Between the drop of lock 1 and that of lock 2, a new lock built
//! at lock 1's address inherits the order: a false inversion is possible in that window if the
//! new lock is then nested with lock 2 the other way; never a missed one.) The table is small
//! (only instances that were nested inside one of their own class) and is searched depth-first;
//! nothing in it is on the hot path of an acquisition.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::Location;

use crate::internal::Internal;

/// One instance order, as first seen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InstanceEdge {
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// Where `from` had been taken.
    pub(crate) from_site: &'static Location<'static>,
    /// Where `to` was taken while `from` was held.
    pub(crate) to_site: &'static Location<'static>,
    pub(crate) thread: &'static str,
}

#[derive(Default)]
struct Table {
    edges: BTreeMap<(usize, usize), InstanceEdge>,
    successors: BTreeMap<usize, BTreeSet<usize>>,
    predecessors: BTreeMap<usize, BTreeSet<usize>>,
    /// How many instance orders were ever learned (dropped locks' included): what a report's
    /// summary counts, so a class nested with itself leaves a trace.
    learned: u64,
}

static TABLE: Internal<Option<Table>> = Internal::new(None);

/// What learning an instance order found.
pub(crate) enum Learned {
    /// Already known, or new and consistent.
    Consistent,
    /// The reverse order is known: the path from `to` back to `from`, in order.
    Inversion(Vec<InstanceEdge>),
}

/// Learns `edge` unless it inverts a known order between the same instances.
pub(crate) fn learn(edge: InstanceEdge) -> Learned {
    let mut table = TABLE.lock();
    let table = table.get_or_insert_with(Table::default);
    if table.edges.contains_key(&(edge.from, edge.to)) {
        return Learned::Consistent;
    }
    if let Some(path) = table.path(edge.to, edge.from) {
        return Learned::Inversion(path);
    }
    table.edges.insert((edge.from, edge.to), edge);
    table.learned += 1;
    table
        .successors
        .entry(edge.from)
        .or_default()
        .insert(edge.to);
    table
        .predecessors
        .entry(edge.to)
        .or_default()
        .insert(edge.from);
    Learned::Consistent
}

/// Forgets every order of the instance at `addr` (its lock is being dropped).
pub(crate) fn forget(addr: usize) {
    let mut table = TABLE.lock();
    let Some(table) = table.as_mut() else {
        return;
    };
    for to in table.successors.remove(&addr).unwrap_or_default() {
        table.edges.remove(&(addr, to));
        if let Some(p) = table.predecessors.get_mut(&to) {
            p.remove(&addr);
        }
    }
    for from in table.predecessors.remove(&addr).unwrap_or_default() {
        table.edges.remove(&(from, addr));
        if let Some(s) = table.successors.get_mut(&from) {
            s.remove(&addr);
        }
    }
}

/// How many instance orders are known (for tests: dropped locks leave none behind). Not a
/// public API.
pub fn count() -> usize {
    TABLE.lock().as_ref().map_or(0, |t| t.edges.len())
}

/// How many instance orders were learned over the process's life, including those of locks
/// dropped since (a report's summary).
pub(crate) fn learned() -> u64 {
    TABLE.lock().as_ref().map_or(0, |t| t.learned)
}

impl Table {
    /// A path of known orders `from ⇝ to`, depth-first.
    fn path(&self, from: usize, to: usize) -> Option<Vec<InstanceEdge>> {
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut stack = vec![from];
        let mut seen = BTreeSet::from([from]);
        while let Some(n) = stack.pop() {
            if n == to {
                let mut path = Vec::new();
                let mut at = to;
                while at != from {
                    let p = *parent.get(&at)?;
                    path.push(*self.edges.get(&(p, at))?);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            for &next in self.successors.get(&n).into_iter().flatten() {
                if seen.insert(next) {
                    parent.insert(next, n);
                    stack.push(next);
                }
            }
        }
        None
    }
}
