//! The methods that acquire a lock: `lock`, `read`, `write`, their `try_*`, `*_nested`,
//! `blocking_*` and timed forms, across std, parking_lot, tokio and lockcheck.

/// One acquiring method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireMethod {
    /// Its name.
    pub name: &'static str,
    /// How many arguments it takes (a nesting level, a timeout).
    pub args: usize,
}

impl AcquireMethod {
    /// Whether it can block until the lock is free (`try_*` cannot, so it cannot deadlock).
    pub fn blocks(&self) -> bool {
        !self.name.starts_with("try_")
    }

    /// Whether it takes the lock for reading (shared).
    pub fn shared(&self) -> bool {
        self.name.contains("read")
    }
}

const fn m(name: &'static str, args: usize) -> AcquireMethod {
    AcquireMethod { name, args }
}

/// Every acquiring method, with its argument count.
pub const ACQUIRE_METHODS: &[AcquireMethod] = &[
    m("lock", 0),
    m("read", 0),
    m("write", 0),
    m("upgradable_read", 0),
    m("blocking_lock", 0),
    m("blocking_read", 0),
    m("blocking_write", 0),
    m("lock_nested", 1),
    m("read_nested", 1),
    m("write_nested", 1),
    m("try_lock", 0),
    m("try_read", 0),
    m("try_write", 0),
    m("try_upgradable_read", 0),
    m("try_lock_for", 1),
    m("try_read_for", 1),
    m("try_write_for", 1),
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
