//! Thread names as reports show them, and the bounded set of names the order graph keeps.

use std::collections::BTreeSet;

use crate::internal::Internal;

/// A thread's name for a report: its given name, or its id.
pub(crate) fn label_of(t: &std::thread::Thread) -> String {
    match t.name() {
        Some(n) => n.to_owned(),
        None => format!("{:?}", t.id()),
    }
}

/// How many distinct thread names the order graph keeps: at most this many for the process's
/// life; a thread past that is named [`NAME_NOT_KEPT`] in the edges it is first to take
/// (thread-per-request code with unnamed threads would otherwise grow without bound).
pub(crate) const NAMES_KEPT: usize = 1024;

/// The name of a thread in an edge once [`NAMES_KEPT`] names are kept.
pub(crate) const NAME_NOT_KEPT: &str =
    "(one of many threads: names past the first 1024 are not kept)";

static NAMES: Internal<BTreeSet<&'static str>> = Internal::new(BTreeSet::new());

pub(crate) fn intern(name: String) -> &'static str {
    let mut names = NAMES.lock();
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    if names.len() >= NAMES_KEPT {
        return NAME_NOT_KEPT;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// How many thread names are kept (for tests of the bound).
pub fn thread_names_kept() -> usize {
    NAMES.lock().len()
}
