//! Waits that are not locks, as classes of the order graph: a condition variable, a thread that
//! is joined, a channel that is received on. Each gets a lock class (its construction site, or
//! its spawn site) so that "waits on `C` while holding `X`" and "notifies `C` while holding `X`"
//! are order edges like any other (`X -> C`, `C -> X`), learned, gated, merged and drawn with
//! the locks' own. This module only says which classes are such waits: reports read it to speak
//! of a wait as a wait (`report/text.rs`, `report/dot.rs`).
//!
//! Lockdep's cross-release did the same for completions and was removed for its false
//! positives; what lockcheck learns, and what it leaves out to stay precise, is in
//! `check/wait_edges.rs` and the README ("Waits that are not locks").

use crate::internal::InternalRw;
use crate::key::ClassId;

/// What kind of wait a class is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitKind {
    /// A condition variable: waited on, notified.
    Condvar,
    /// A thread spawned with `lockcheck::thread`: joined; its class "holds" every lock it takes.
    Thread,
    /// An mpsc channel: received on, sent on.
    Channel,
    /// The room in a bounded channel: a full channel's send waits for it, a receive makes it.
    ChannelRoom,
}

impl WaitKind {
    /// The word a class name starts with (the `ty` its class is registered with).
    pub(crate) const fn type_word(self) -> &'static str {
        match self {
            WaitKind::Condvar => "Condvar",
            WaitKind::Thread => "thread spawned",
            WaitKind::Channel => "channel",
            WaitKind::ChannelRoom => "room in channel",
        }
    }
}

/// The classes that are waits, by class id. Written once per such class (its first use), read
/// by reports.
static KINDS: InternalRw<Vec<(ClassId, WaitKind)>> = InternalRw::new(Vec::new());

/// `class` is a wait of `kind` (called on its first use; again is harmless).
#[cold]
pub(crate) fn register(class: ClassId, kind: WaitKind) {
    if KINDS.read().iter().any(|&(c, _)| c == class) {
        return;
    }
    let mut kinds = KINDS.write();
    if !kinds.iter().any(|&(c, _)| c == class) {
        kinds.push((class, kind));
    }
}

/// Every class that is a wait, with its kind (reports: read once per report).
pub(crate) fn all() -> Vec<(ClassId, WaitKind)> {
    KINDS.read().clone()
}

/// The names of the classes that are waits, with their kinds: what a report's text needs to
/// speak of a wait as one (reports hold names). Empty, and cheap, in a program without waits.
pub(crate) fn names() -> Vec<(&'static str, WaitKind)> {
    all()
        .into_iter()
        .map(|(c, k)| (crate::class::class_info(c).name, k))
        .collect()
}
