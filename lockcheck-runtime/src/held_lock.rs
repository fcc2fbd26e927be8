//! One acquisition, as the held stacks keep it: which lock instance, its key, its mode and
//! where it was taken, in three words.

use std::panic::Location;

use crate::key::LockKey;
use crate::mode::Mode;

/// One acquisition: an entry of the held stack, and what the protocol checks before it is one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeldLock {
    /// The lock instance's identity: the address of its class field (stable while it is held: a
    /// guard borrows the lock).
    pub(crate) instance: usize,
    /// The lock key and the mode, in one word: the entry is written with whole-word stores,
    /// so copying it into the held stack never waits on a store that wrote half a word (a
    /// failed store forward costs more than the rest of the acquisition).
    key_mode: u64,
    /// Where it was taken.
    pub(crate) site: &'static Location<'static>,
}

impl HeldLock {
    /// An acquisition of `key` in `mode` at `site`, of the lock at `instance`.
    #[inline(always)]
    pub(crate) fn new(
        instance: usize,
        key: LockKey,
        mode: Mode,
        site: &'static Location<'static>,
    ) -> Self {
        let mode = match mode {
            Mode::Exclusive => 0,
            Mode::Shared => 1u64 << 32,
        };
        HeldLock {
            instance,
            key_mode: u64::from(key.as_u32()) | mode,
            site,
        }
    }

    /// The entry as three words, for an out-of-line call on the hot path: scalars travel in
    /// registers, where the entry itself would be copied through the stack (and the copy's
    /// wide load wait on a failed store forward).
    #[inline(always)]
    pub(crate) fn to_words(self) -> (usize, u64, &'static Location<'static>) {
        (self.instance, self.key_mode, self.site)
    }

    /// Writes the entry to `slot` a word at a time: the entry may be in memory that narrower
    /// stores wrote (an async acquisition's, in its future's state), and a wide copy's load
    /// would wait on a failed store forward. Volatile, so that the words are not merged again.
    ///
    /// # Safety
    ///
    /// `slot` must be valid for writes and aligned.
    #[inline(always)]
    pub(crate) unsafe fn write_by_words(&self, slot: *mut HeldLock) {
        // SAFETY: the caller's; three field writes of one `HeldLock` (all `Copy`: nothing is
        // dropped).
        unsafe {
            std::ptr::write_volatile(std::ptr::addr_of_mut!((*slot).instance), self.instance);
            std::ptr::write_volatile(std::ptr::addr_of_mut!((*slot).key_mode), self.key_mode);
            std::ptr::write_volatile(std::ptr::addr_of_mut!((*slot).site), self.site);
        }
    }

    /// The entry [`to_words`](Self::to_words) gave.
    #[inline(always)]
    pub(crate) fn from_words(words: (usize, u64, &'static Location<'static>)) -> Self {
        HeldLock {
            instance: words.0,
            key_mode: words.1,
            site: words.2,
        }
    }

    /// The lock key.
    #[inline(always)]
    pub(crate) fn key(&self) -> LockKey {
        LockKey::from_u32(self.key_mode as u32)
    }

    /// How it is held.
    #[inline(always)]
    pub(crate) fn mode(&self) -> Mode {
        if (self.key_mode >> 32) & 1 == 0 {
            Mode::Exclusive
        } else {
            Mode::Shared
        }
    }

    /// Whether it is held exclusively (a one-compare test for the edge cache's hot path).
    #[inline(always)]
    pub(crate) fn mode_is_exclusive(&self) -> bool {
        (self.key_mode >> 32) & 1 == 0
    }

    /// The same acquisition, of an async lock (`lockcheck::tokio`): one a task may hold across
    /// an `.await`.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    pub(crate) fn of_async_lock(mut self) -> Self {
        self.key_mode |= ASYNC_LOCK;
        self
    }

    #[cfg(feature = "tokio")]
    /// Whether it is an async lock's (`lockcheck::tokio`), which a task may hold across an
    /// `.await`; every other lockcheck lock blocks its thread.
    #[inline(always)]
    pub(crate) fn is_async_lock(&self) -> bool {
        self.key_mode & ASYNC_LOCK != 0
    }

    /// The same entry in another mode (a downgrade), its other bits kept.
    pub(crate) fn with_mode(self, mode: Mode) -> Self {
        let shared = match mode {
            Mode::Exclusive => 0,
            Mode::Shared => 1u64 << 32,
        };
        HeldLock {
            key_mode: (self.key_mode & !(1u64 << 32)) | shared,
            ..self
        }
    }
}

/// A lock instance held exclusively at an observation: what a gate is made of. Two threads
/// cannot both hold it, so orders only ever taken under it cannot deadlock each other; a read
/// hold, or another lock of the same class, proves nothing of the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct GateLock {
    /// The lock instance (see [`HeldLock::instance`]).
    pub(crate) instance: usize,
    /// Its key, for reports.
    pub(crate) key: LockKey,
}

impl HeldLock {
    /// This hold as a gate lock: only an exclusive hold is one.
    #[inline]
    pub(crate) fn as_gate(&self) -> Option<GateLock> {
        (self.mode() == Mode::Exclusive).then_some(GateLock {
            instance: self.instance,
            key: self.key(),
        })
    }

    /// Whether this hold is `gate`'s: that instance, held exclusively.
    #[inline]
    pub(crate) fn is_gate(&self, gate: &GateLock) -> bool {
        self.instance == gate.instance && self.mode() == Mode::Exclusive
    }
}

/// The `key_mode` bit of an async lock's entry.
#[cfg(feature = "tokio")]
const ASYNC_LOCK: u64 = 1u64 << 33;
