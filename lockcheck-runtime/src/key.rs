//! Lock keys: the vocabulary the order graph and the held stacks are written in.
//!
//! A [`ClassId`] names a lock class (handed out once by the registry in `class.rs`, never
//! recycled); a [`LockKey`] is a class at one nesting level (lockdep's subclass), the node of the
//! order graph; an edge between two keys is one word ([`LockKey::edge_bits`]), the unit of the
//! per-thread edge caches.

/// The identity of a lock class: small, `Copy`, never recycled.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub(crate) struct ClassId(u32);

/// How many nesting levels (lockdep's subclasses) one class may be taken at.
pub const MAX_SUBCLASSES: u8 = 8;

/// The largest class id that still fits a [`LockKey`] beside its subclass.
pub(crate) const MAX_CLASS_ID: u32 = (u32::MAX >> 3) - 1;

impl ClassId {
    /// Not a class: the id of a lock taken from inside the checker's own critical sections,
    /// which is never checked, so never pushed on a held stack nor looked up.
    pub(crate) const UNTRACKED: ClassId = ClassId(MAX_CLASS_ID + 1);

    #[cfg(test)]
    pub(crate) fn for_test(id: u32) -> Self {
        ClassId(id)
    }

    /// The class with this id (1-based, as the registry hands them out).
    pub(crate) const fn from_u32(id: u32) -> Self {
        ClassId(id)
    }

    /// The id as a number (1-based).
    pub(crate) const fn as_u32(self) -> u32 {
        self.0
    }

    pub(crate) fn index(self) -> usize {
        self.0 as usize - 1
    }
}

/// A class at one nesting level: the node of the order graph.
///
/// `lock_nested(1)` on a lock of class `C` acquires key `(C, 1)`, which is ordered separately from
/// `(C, 0)`, exactly as lockdep's subclasses are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub(crate) struct LockKey(u32);

impl LockKey {
    pub(crate) fn new(class: ClassId, subclass: u8) -> Self {
        debug_assert!(subclass < MAX_SUBCLASSES);
        LockKey((class.0 << 3) | u32::from(subclass))
    }
    pub(crate) fn class(self) -> ClassId {
        ClassId(self.0 >> 3)
    }
    pub(crate) fn subclass(self) -> u8 {
        (self.0 & 7) as u8
    }
    /// The key as one word.
    pub(crate) fn as_u32(self) -> u32 {
        self.0
    }
    /// The key [`as_u32`](Self::as_u32) gave.
    pub(crate) fn from_u32(word: u32) -> Self {
        LockKey(word)
    }
    /// The pair `self -> to` as one word, for the per-thread cache of known edges.
    pub(crate) fn edge_bits(self, to: LockKey) -> u64 {
        (u64::from(self.0) << 32) | u64::from(to.0)
    }
}
