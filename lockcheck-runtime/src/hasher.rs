//! The hasher of the checker's own maps, keyed by lock keys and edge words.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-xorshift hasher for the edge cache: keys are already well-spread `u64`s, and this
/// is on the nested-acquisition path, where SipHash would cost more than the lock itself.
#[derive(Default)]
pub(crate) struct EdgeHasher(u64);

impl Hasher for EdgeHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        let x = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

pub(crate) type EdgeSet = HashSet<u64, BuildHasherDefault<EdgeHasher>>;
/// A map keyed by lock keys or edge words, hashed like [`EdgeSet`].
pub(crate) type KeyMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<EdgeHasher>>;
