//! The declared rank table in force, and the epoch that tells every thread to re-check the
//! orders it already knows when a new table is installed (Go's lock ranking, checked at every
//! new order edge, even the first).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use lockcheck_ranks::{DeclaredOrder, RankTable};

use crate::class;
use crate::internal::InternalRw;
use crate::key::LockKey;

static RANKS: InternalRw<Option<Arc<RankTable>>> = InternalRw::new(None);
/// Whether a table was ever installed: most programs never declare ranks, and then a new edge
/// does not touch the lock at all.
static RANKS_SET: AtomicBool = AtomicBool::new(false);
/// Bumped (`Release`) after a new table is in place; a thread that reads the new value
/// (`Acquire`) also sees the table, so it never caches an edge checked against the old one.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Installs the declared rank order for every thread. Install it early: edges learned before
/// are re-checked the next time each thread takes them, and the report lists them either way.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{set_rank_table, RankTable};
///
/// set_rank_table(RankTable::parse("doc-outer < doc-inner;").unwrap());
/// ```
pub fn set_rank_table(table: RankTable) {
    *RANKS.write() = Some(Arc::new(table));
    RANKS_SET.store(true, Ordering::Release);
    bump_epoch();
}

/// The rank table in force, if any.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{rank_table, set_rank_table, RankTable};
///
/// set_rank_table(RankTable::parse("doc-a < doc-b;").unwrap());
/// assert!(rank_table().is_some_and(|t| t.orders("doc-a", "doc-b")));
/// ```
pub fn rank_table() -> Option<Arc<RankTable>> {
    if !RANKS_SET.load(Ordering::Acquire) {
        return None;
    }
    RANKS.read().clone()
}

/// The epoch every thread's edge cache must match.
#[inline(always)]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

/// Makes every thread drop its edge cache at its next nested acquisition.
pub(crate) fn bump_epoch() {
    EPOCH.fetch_add(1, Ordering::Release);
}

/// A key's rank: the name of its class, when the class was named (only named classes have one).
fn rank_name(key: LockKey) -> Option<&'static str> {
    let info = class::class_info(key.class());
    info.named.then_some(info.name)
}

/// The declarations that order `acquired`'s rank before `held`'s (empty: none, or no table).
pub(crate) fn broken_by(
    table: Option<&RankTable>,
    held: LockKey,
    acquired: LockKey,
) -> Vec<DeclaredOrder> {
    let Some(table) = table else {
        return Vec::new();
    };
    match (rank_name(acquired), rank_name(held)) {
        (Some(new_rank), Some(held_rank)) if table.orders(new_rank, held_rank) => {
            table.why(new_rank, held_rank)
        }
        _ => Vec::new(),
    }
}
