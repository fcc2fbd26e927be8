//! Lock contracts: "this function runs only while `x` is held" (`#[requires_lock]`,
//! `assert_held!`) and "never while `x` is held" (`#[excludes_lock]`, `assert_not_held!`).
//!
//! The model is Go's runtime: `assertLockHeld(&sched.lock)` and its report "caller requires lock
//! sched (rank sched), holding: …". A contract names a lock *instance* (a `Mutex` or `RwLock`,
//! through any reference) or a lock *class* by name (a string); [`Lockable`] is what can be named.

use std::borrow::Cow;
use std::panic::Location;
use std::sync::Arc;

use crate::held::{self, Mode};
use crate::violation::{raise, LockUse, Site, Violation, ViolationKind};
use crate::{check, class};

/// Something a lock contract can name: a lock instance, or a lock class by name.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{Lockable, Mutex};
///
/// let m = Mutex::named("doc-lockable", ());
/// let _g = m.lock();
/// assert_eq!(m.held_as(None), lockcheck_runtime::ENABLED);
/// assert_eq!("doc-lockable".held_as(None), lockcheck_runtime::ENABLED);
/// assert!(!"doc-other-class".held_as(None));
/// ```
pub trait Lockable {
    /// Whether the current thread holds it: in any mode (`None`), at least for reading
    /// (`Some(Mode::Shared)`, which a write hold meets), or for writing.
    fn held_as(&self, mode: Option<Mode>) -> bool;

    /// The lock class's name, for reports.
    fn class_name(&self) -> String;
}

fn mode_meets(held: Mode, need: Option<Mode>) -> bool {
    !(need == Some(Mode::Exclusive) && held == Mode::Shared)
}

impl<T: ?Sized> Lockable for crate::Mutex<T> {
    fn held_as(&self, _mode: Option<Mode>) -> bool {
        self.is_held()
    }
    fn class_name(&self) -> String {
        self.class_name_for_report()
    }
}

impl<T: ?Sized> Lockable for crate::RwLock<T> {
    fn held_as(&self, mode: Option<Mode>) -> bool {
        self.held_mode().is_some_and(|h| mode_meets(h, mode))
    }
    fn class_name(&self) -> String {
        self.class_name_for_report()
    }
}

/// A class by name: met when any lock of that class is held.
impl Lockable for str {
    fn held_as(&self, mode: Option<Mode>) -> bool {
        let Some(id) = class::named_class(self) else {
            return false;
        };
        held::snapshot()
            .iter()
            .any(|h| h.key().class() == id && mode_meets(h.mode(), mode))
    }
    fn class_name(&self) -> String {
        self.to_owned()
    }
}

impl Lockable for String {
    fn held_as(&self, mode: Option<Mode>) -> bool {
        self.as_str().held_as(mode)
    }
    fn class_name(&self) -> String {
        self.clone()
    }
}

macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<L: Lockable + ?Sized> Lockable for $ty {
            fn held_as(&self, mode: Option<Mode>) -> bool {
                (**self).held_as(mode)
            }
            fn class_name(&self) -> String {
                (**self).class_name()
            }
        }
    )*};
}
forward!(&L, &mut L, Box<L>, Arc<L>, std::rc::Rc<L>);

/// A contract as stated in the source: who states it, about which lock, where.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Contract {
    /// The function (or `assert_held!`) stating it.
    pub function: &'static str,
    /// The lock expression as written.
    pub lock: &'static str,
    /// The mode required (`None`: either).
    pub mode: Option<Mode>,
    /// Where it is stated.
    pub file: &'static str,
    /// Line of the statement.
    pub line: u32,
    /// Column of the statement.
    pub column: u32,
    /// The function is an `async fn`: checked at its first poll, whose caller is the executor.
    pub is_async: bool,
}

/// Checks that `lock` is held as `contract` requires; reports a violation otherwise.
#[doc(hidden)]
#[inline]
pub fn requires<L: Lockable + ?Sized>(lock: &L, contract: &Contract) {
    if !lock.held_as(contract.mode) {
        broken(&lock.class_name(), contract, true, None);
    }
}

/// Checks that `lock` is not held (in any mode); reports a violation otherwise.
#[doc(hidden)]
#[inline]
pub fn excludes<L: Lockable + ?Sized>(lock: &L, contract: &Contract) {
    if lock.held_as(None) {
        broken(&lock.class_name(), contract, false, None);
    }
}

/// `assert_held!`: as [`requires`], with the assertion's own place as the call site.
#[doc(hidden)]
#[track_caller]
pub fn assert_held<L: Lockable + ?Sized>(lock: &L, contract: &Contract) {
    if !lock.held_as(contract.mode) {
        broken(&lock.class_name(), contract, true, Some(Location::caller()));
    }
}

/// `assert_not_held!`: as [`excludes`], with the assertion's own place as the call site.
#[doc(hidden)]
#[track_caller]
pub fn assert_not_held<L: Lockable + ?Sized>(lock: &L, contract: &Contract) {
    if lock.held_as(None) {
        broken(
            &lock.class_name(),
            contract,
            false,
            Some(Location::caller()),
        );
    }
}

#[cold]
#[inline(never)]
fn broken(class: &str, c: &Contract, must_hold: bool, at: Option<&'static Location<'static>>) {
    let contract_site = Site {
        file: Cow::Borrowed(c.file),
        line: c.line,
        column: c.column,
    };
    let (site, caller) = match at {
        Some(l) => (Site::from(l), None),
        // Polled by an executor: no frame of the task's spawner is on the stack.
        None if c.is_async => (contract_site.clone(), None),
        None => {
            let (site, caller) = call_site_of(c.function);
            (site.unwrap_or_else(|| contract_site.clone()), caller)
        }
    };
    raise(Violation {
        kind: ViolationKind::Contract {
            function: c.function.to_owned(),
            lock: c.lock.to_owned(),
            class: class.to_owned(),
            must_hold,
            mode: c.mode,
            contract_site,
            caller,
            asynchronous: c.is_async,
        },
        thread: held::thread_name().to_owned(),
        acquiring: LockUse {
            class: class.to_owned(),
            mode: c.mode.unwrap_or(Mode::Exclusive),
            site,
        },
        held: check::held_locks(),
    });
}

/// Where `function` was called from, and by which function, read off a backtrace. Only on a
/// broken contract (a backtrace costs milliseconds). The place is `None` without line tables
/// (release builds: the caller's name may still be there); both are `None` when the frames were
/// inlined away.
fn call_site_of(function: &str) -> (Option<Site>, Option<String>) {
    let bt = std::backtrace::Backtrace::force_capture().to_string();
    // Frames read: "  N: symbol" then "             at path:line:col".
    let mut frames: Vec<(String, Option<String>)> = Vec::new();
    for line in bt.lines() {
        let t = line.trim_start();
        if let Some(loc) = t.strip_prefix("at ") {
            if let Some(last) = frames.last_mut() {
                last.1.get_or_insert_with(|| loc.to_owned());
            }
        } else if let Some((num, sym)) = t.split_once(": ") {
            if num.chars().all(|c| c.is_ascii_digit()) {
                frames.push((sym.to_owned(), None));
            }
        }
    }
    let last_segment = |sym: &str| -> String {
        let no_hash = sym.split("::h").next().unwrap_or(sym);
        let no_generics = no_hash.split('<').next().unwrap_or(no_hash);
        no_generics
            .rsplit("::")
            .next()
            .unwrap_or(no_generics)
            .to_owned()
    };
    let Some(at) = frames
        .iter()
        .position(|(sym, _)| !sym.contains("{{closure}}") && last_segment(sym) == function)
    else {
        return (None, None);
    };
    let Some((caller_sym, loc)) = frames.get(at + 1) else {
        return (None, None);
    };
    // Without line tables (release builds) the caller's name is all there is.
    let caller = Some(last_segment(caller_sym));
    (loc.as_deref().and_then(parse_site), caller)
}

/// `path:line:col` as a backtrace prints it, relative to the current directory when inside it.
fn parse_site(loc: &str) -> Option<Site> {
    let cwd = std::env::current_dir().ok();
    let mut parts = loc.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let mut file = parts.next()?.to_owned();
    if let Some(rel) = cwd
        .as_ref()
        .and_then(|d| std::path::Path::new(&file).strip_prefix(d).ok())
    {
        file = rel.display().to_string();
    }
    if let Some(rel) = file.strip_prefix("./") {
        file = rel.to_owned();
    }
    Some(Site {
        file: file.into(),
        line,
        column,
    })
}

/// Asserts that the current thread holds a lock: the same check and report as
/// `#[requires_lock]`, for use inside a body. `assert_held!(read(x))` / `assert_held!(write(x))`
/// for an `RwLock`; a string names a class. No code without the checker.
///
/// # Panics
///
/// With the default action, when the lock is not held.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{assert_held, Mutex};
///
/// let m = Mutex::named("doc-assert-held", 0);
/// let g = m.lock();
/// assert_held!(m);
/// assert_held!("doc-assert-held");
/// drop(g);
/// ```
#[macro_export]
macro_rules! assert_held {
    (read($lock:expr)) => {
        $crate::__assert_contract!(
            assert_held,
            $lock,
            "assert_held!(read(..))",
            ::core::option::Option::Some($crate::Mode::Shared)
        )
    };
    (write($lock:expr)) => {
        $crate::__assert_contract!(
            assert_held,
            $lock,
            "assert_held!(write(..))",
            ::core::option::Option::Some($crate::Mode::Exclusive)
        )
    };
    ($lock:expr $(,)?) => {
        $crate::__assert_contract!(
            assert_held,
            $lock,
            "assert_held!",
            ::core::option::Option::None
        )
    };
}

/// Asserts that the current thread does not hold a lock, in any mode: the same check and report
/// as `#[excludes_lock]`. No code without the checker.
///
/// # Panics
///
/// With the default action, when the lock is held.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{assert_not_held, Mutex};
///
/// let m = Mutex::named("doc-assert-not-held", 0);
/// assert_not_held!(m);
/// ```
#[macro_export]
macro_rules! assert_not_held {
    ($lock:expr $(,)?) => {
        $crate::__assert_contract!(
            assert_not_held,
            $lock,
            "assert_not_held!",
            ::core::option::Option::None
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __assert_contract {
    ($check:ident, $lock:expr, $function:expr, $mode:expr) => {
        if $crate::ENABLED {
            $crate::__private::$check(
                &($lock),
                &$crate::__private::Contract {
                    function: $function,
                    lock: ::core::stringify!($lock),
                    mode: $mode,
                    file: ::core::file!(),
                    line: ::core::line!(),
                    column: ::core::column!(),
                    is_async: false,
                },
            )
        }
    };
}
