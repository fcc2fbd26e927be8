//! Lock contracts: "this function runs only while `x` is held" (`#[requires_lock]`,
//! `assert_held!`) and "never while `x` is held" (`#[excludes_lock]`, `assert_not_held!`).
//!
//! The model is Go's runtime: `assertLockHeld(&sched.lock)` and its report "caller requires lock
//! sched (rank sched), holding: …". A contract names a lock *instance* (a `Mutex` or `RwLock`,
//! through any reference) or a lock *class* by name (a string); [`Lockable`] is what can be named.

use std::borrow::Cow;
use std::panic::Location;
use std::sync::Arc;

use crate::mode::Mode;
use crate::site::Site;
use crate::violation::{LockUse, ViolationKind};
use crate::{check, class, held};

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

/// `Lockable` for a checked lock type (`[generics] Type`) with a `lock_id()` accessor: one
/// implementation for every flavour (native, `sync`, `lock_api`/`parking_lot`, `tokio`).
macro_rules! lockable {
    ([$($gen:tt)*] $lock:ty) => {
        impl<$($gen)*> $crate::contract::Lockable for $lock {
            fn held_as(&self, mode: ::core::option::Option<$crate::Mode>) -> bool {
                self.lock_id().held_as(mode)
            }
            fn class_name(&self) -> ::std::string::String {
                self.lock_id().class_name::<Self>()
            }
        }
    };
}
pub(crate) use lockable;

/// A class by name: met when any lock of that class is held.
impl Lockable for str {
    fn held_as(&self, mode: Option<Mode>) -> bool {
        let Some(id) = class::named_class(self) else {
            return false;
        };
        held::snapshot()
            .iter()
            .any(|h| h.key().class() == id && h.mode().meets(mode))
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
            // Walking the stack allocates, and takes the `backtrace` crate's lock: busy, so an
            // allocator's checked lock is taken unchecked meanwhile.
            let (site, caller) = crate::internal::busy(|| call_site_of(c.function));
            (site.unwrap_or_else(|| contract_site.clone()), caller)
        }
    };
    check::contract_broken(
        ViolationKind::Contract {
            function: c.function.to_owned(),
            lock: c.lock.to_owned(),
            class: class.to_owned(),
            must_hold,
            mode: c.mode,
            contract_site,
            caller,
            asynchronous: c.is_async,
        },
        LockUse {
            class: class.to_owned(),
            mode: c.mode.unwrap_or(Mode::Exclusive),
            site,
        },
    );
}

/// Where `function` was called from, and by which function: the stack's frames, walked and
/// symbolized by the `backtrace` crate (structured frames, not a backtrace's printed text, whose
/// format no toolchain promises). Only on a broken contract: a walk costs milliseconds. The
/// place is `None` without line tables (release builds: the caller's name may still be there);
/// both are `None` when the frames were inlined away, or without the `backtrace` feature.
#[cfg(feature = "backtrace")]
fn call_site_of(function: &str) -> (Option<Site>, Option<String>) {
    /// One logical frame (an inlined call is a frame of its own): its function's last path
    /// segment, whether it is a closure, and its place.
    struct Frame {
        name: String,
        closure: bool,
        site: Option<Site>,
    }
    let mut frames: Vec<Frame> = Vec::new();
    backtrace::trace(|frame| {
        backtrace::resolve_frame(frame, |symbol| {
            let full = symbol.name().map(|n| format!("{n:#}")).unwrap_or_default();
            let site = match (symbol.filename(), symbol.lineno()) {
                (Some(file), Some(line)) => Some(Site {
                    file: relative(file).into(),
                    line,
                    column: symbol.colno().unwrap_or(1),
                }),
                _ => None,
            };
            frames.push(Frame {
                closure: full.contains("{{closure}}"),
                name: last_segment(&full),
                site,
            });
        });
        // Stop one frame after the contract's function: that is its caller.
        frames.len() < 2
            || !frames[..frames.len() - 1]
                .iter()
                .any(|f| !f.closure && f.name == function)
    });
    let Some(at) = frames.iter().position(|f| !f.closure && f.name == function) else {
        return (None, None);
    };
    match frames.get(at + 1) {
        Some(caller) => (caller.site.clone(), Some(caller.name.clone())),
        None => (None, None),
    }
}

#[cfg(not(feature = "backtrace"))]
fn call_site_of(_function: &str) -> (Option<Site>, Option<String>) {
    (None, None)
}

/// The last path segment of a demangled symbol, without generics: `a::b::C<T>::f` → `f`.
#[cfg(feature = "backtrace")]
fn last_segment(sym: &str) -> String {
    let no_generics = sym.split('<').next().unwrap_or(sym);
    let no_generics = if sym.starts_with('<') {
        // `<T as Trait>::f`: the method after the closing `>`.
        sym.rsplit('>').next().unwrap_or(sym)
    } else {
        no_generics
    };
    no_generics
        .rsplit("::")
        .find(|s| !s.is_empty())
        .unwrap_or(no_generics)
        .to_owned()
}

/// A path as a report shows it: relative to the current directory when inside it.
#[cfg(feature = "backtrace")]
fn relative(file: &std::path::Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|d| file.strip_prefix(d).ok())
        .unwrap_or(file);
    let shown = rel.display().to_string();
    shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
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
