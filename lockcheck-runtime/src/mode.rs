//! How a lock is held: the mode of a hold, the other half of what a verdict is about (which
//! instance, in which mode, held by whom).

/// How a lock is held.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{Mode, RwLock};
///
/// let l = RwLock::new(());
/// let _r = l.read();
/// let expected = if lockcheck_runtime::ENABLED { Some(Mode::Shared) } else { None };
/// assert_eq!(l.held_mode(), expected);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Mode {
    /// A `Mutex`, or an `RwLock` taken for writing.
    Exclusive,
    /// An `RwLock` taken for reading.
    Shared,
}

impl Mode {
    /// Whether a hold in this mode meets a contract's need: any hold meets `None`, and a write
    /// hold meets a need to read.
    pub(crate) fn meets(self, need: Option<Mode>) -> bool {
        !(need == Some(Mode::Exclusive) && self == Mode::Shared)
    }

    pub(crate) fn verb(self) -> &'static str {
        match self {
            Mode::Exclusive => "lock",
            Mode::Shared => "read",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    #[test]
    fn a_write_hold_meets_every_need_and_a_read_hold_not_a_write_need() {
        assert!(Mode::Exclusive.meets(None));
        assert!(Mode::Exclusive.meets(Some(Mode::Shared)));
        assert!(Mode::Exclusive.meets(Some(Mode::Exclusive)));
        assert!(Mode::Shared.meets(None));
        assert!(Mode::Shared.meets(Some(Mode::Shared)));
        assert!(!Mode::Shared.meets(Some(Mode::Exclusive)));
    }
}
