//! The methods that acquire a lock: `lock`, `read`, `write`, their `try_*`, `*_nested`,
//! `blocking_*` and timed forms, across std, parking_lot, tokio and lockcheck; each with its
//! [`AcquisitionKind`]: whether it waits for the lock, and whether it can fail.

use AcquisitionKind::{Blocking, Timed, Try};

/// How an acquiring method waits for its lock.
///
/// For ordering, a timed acquisition is a blocking one: in a deadlock it waits for its whole
/// timeout, and once it has the lock it orders the locks held before it as `lock()` does. The
/// runtime checks it so (`lockcheck::parking_lot::Mutex::try_lock_for`); so does the lint.
///
/// # Examples
///
/// ```
/// use lockcheck_syntax::methods::{acquire_method, AcquisitionKind};
///
/// let timed = acquire_method("try_lock_for", 1).unwrap().kind;
/// assert_eq!(timed, AcquisitionKind::Timed);
/// assert!(timed.waits() && timed.may_fail());
/// assert!(!acquire_method("try_lock", 0).unwrap().kind.waits());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcquisitionKind {
    /// Waits until the lock is free (`lock`, `read`, `blocking_lock`, `lock_nested`): it can
    /// deadlock, and it orders the locks held before it.
    Blocking,
    /// Never waits (`try_lock`, `try_read`): it cannot deadlock and orders nothing; it may
    /// return without the lock.
    Try,
    /// Waits until the lock is free or a timeout passes (parking_lot's `try_lock_for`,
    /// `try_read_until`, …): blocking for ordering purposes; it may return without the lock.
    Timed,
}

impl AcquisitionKind {
    /// Whether it can wait for the lock (blocking and timed): it can deadlock, or wait out its
    /// timeout in one, and it orders the locks held before it.
    pub fn waits(self) -> bool {
        matches!(self, AcquisitionKind::Blocking | AcquisitionKind::Timed)
    }

    /// Whether it can return without the lock (try and timed): where it failed, no guard is
    /// held.
    pub fn may_fail(self) -> bool {
        matches!(self, AcquisitionKind::Try | AcquisitionKind::Timed)
    }
}

/// One acquiring method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireMethod {
    /// Its name.
    pub name: &'static str,
    /// How many arguments it takes (a nesting level, a timeout).
    pub args: usize,
    /// How it waits for the lock.
    pub kind: AcquisitionKind,
}

impl AcquireMethod {
    /// Whether it can block until the lock is free: [`AcquisitionKind::waits`] (`try_*`
    /// cannot, so it cannot deadlock; a timed one can, until its timeout).
    pub fn blocks(&self) -> bool {
        self.kind.waits()
    }

    /// Whether it takes the lock for reading (shared).
    pub fn shared(&self) -> bool {
        self.name.contains("read")
    }
}

const fn m(name: &'static str, args: usize, kind: AcquisitionKind) -> AcquireMethod {
    AcquireMethod { name, args, kind }
}

/// Every acquiring method, with its argument count and kind.
pub const ACQUIRE_METHODS: &[AcquireMethod] = &[
    m("lock", 0, Blocking),
    m("read", 0, Blocking),
    m("write", 0, Blocking),
    m("upgradable_read", 0, Blocking),
    m("blocking_lock", 0, Blocking),
    m("blocking_read", 0, Blocking),
    m("blocking_write", 0, Blocking),
    m("lock_nested", 1, Blocking),
    m("read_nested", 1, Blocking),
    m("write_nested", 1, Blocking),
    m("try_lock", 0, Try),
    m("try_read", 0, Try),
    m("try_write", 0, Try),
    m("try_upgradable_read", 0, Try),
    m("try_lock_for", 1, Timed),
    m("try_lock_until", 1, Timed),
    m("try_read_for", 1, Timed),
    m("try_read_until", 1, Timed),
    m("try_write_for", 1, Timed),
    m("try_write_until", 1, Timed),
    m("try_upgradable_read_for", 1, Timed),
    m("try_upgradable_read_until", 1, Timed),
];

/// The acquiring method called `name` with `args` arguments, if it is one.
///
/// # Examples
///
/// ```
/// use lockcheck_syntax::methods::acquire_method;
///
/// assert!(acquire_method("blocking_lock", 0).unwrap().blocks());
/// assert!(!acquire_method("try_read", 0).unwrap().blocks());
/// assert!(acquire_method("try_write_until", 1).unwrap().blocks());
/// assert!(acquire_method("lock_nested", 1).is_some());
/// assert!(acquire_method("lock", 1).is_none()); // not a lock's `lock`
/// ```
pub fn acquire_method(name: &str, args: usize) -> Option<AcquireMethod> {
    ACQUIRE_METHODS
        .iter()
        .copied()
        .find(|m| m.name == name && m.args == args)
}

/// Methods that pass a guard through: `x.lock().unwrap()` is still the guard.
pub const PASS_THROUGH: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_unchecked",
    "into_ok",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_follows_the_name() {
        for m in ACQUIRE_METHODS {
            let timed = m.name.ends_with("_for") || m.name.ends_with("_until");
            let want = match (m.name.starts_with("try_"), timed) {
                (_, true) => Timed,
                (true, false) => Try,
                (false, false) => Blocking,
            };
            assert_eq!(m.kind, want, "{}", m.name);
            assert_eq!(m.args, usize::from(timed || m.name.ends_with("_nested")));
        }
    }
}
