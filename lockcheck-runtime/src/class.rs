//! Lock classes: what the order graph is learned over.
//!
//! As in Linux lockdep, order is learned per *class*, not per lock instance, so one observed
//! order covers every lock of the class. A lock's class is
//!
//! - its **name**, when it was built with `named`: every lock named alike shares one class, with
//!   lockdep's semantics (two of them nested is reported unless `lock_nested` says so);
//! - otherwise its **construction site** (the caller of `Mutex::new`, through `#[track_caller]`)
//!   **and its type** (`Mutex<Vec<u32>>`): the fields of a `#[derive(Default)]` struct share the
//!   derive's site but not, as a rule, their type;
//! - and when that site is not the user's code (a lock built inside the standard library:
//!   `Arc::default()`, `.map(Mutex::new)`, `LazyLock::new(Mutex::default)`; or inside lockcheck
//!   itself), the place the lock is **first locked** and its type instead: a path under
//!   `/rustc/` names nothing a user can act on, and would make every such lock in the program one
//!   class.
//!
//! Several instances of one site class nested inside each other (two fields of one derived
//! struct, the locks a macro builds) are ordered per instance (`instances.rs`), not reported.
//! Class ids are handed out once and never recycled, so a lock that is created and dropped a
//! million times costs one class, not a million.
//!
//! Lock constructors are `const fn`, so they cannot register anything; the lock stores where its
//! class comes from ([`ClassSource`]) and resolves it to a [`ClassId`] on first use, caching the id
//! in the lock itself ([`LazyClass`]). Later acquisitions pay one atomic load.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use crate::internal::{Internal, InternalRw};
use crate::key::{ClassId, LockKey, MAX_CLASS_ID};

/// Where a class comes from, before it has an id.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ClassSource {
    Site(&'static Location<'static>),
    Name(&'static str),
}

/// A lock's class, stored in the lock in 16 bytes and resolved on first use.
///
/// Layout: `ptr` points at the name's bytes or at the `Location`; the low half of `meta` is the
/// name's length, or for a location `SITE_TAG` (`SITE_ORDERED` once this instance has orders of
/// its own, `instances.rs`, which dropping it must forget); the high half caches the resolved
/// class id (0 while unresolved). Keeping all of it beside the source keeps `Mutex<u64>` at 32
/// bytes, and the hot path reads the id with one load and one shift.
pub(crate) struct LazyClass {
    ptr: *const u8,
    meta: AtomicU64,
}

const SITE_TAG: u64 = u32::MAX as u64;
/// `SITE_TAG` with its lowest bit cleared: a site class's instance that has instance orders.
const SITE_ORDERED: u64 = SITE_TAG - 1;
/// The low half's mask.
const LOW: u64 = u32::MAX as u64;
/// The top bit: this instance is a gate lock (class ids never reach it: `MAX_CLASS_ID`).
const GATE: u64 = 1 << 63;
/// The bits of the high half that hold the class id.
const ID_BITS: u32 = u32::MAX >> 1;

// SAFETY: `ptr` only ever points at `'static`, immutable data (a `&'static str` or a
// `&'static Location<'static>`), which is `Sync`; `meta` is atomic.
unsafe impl Send for LazyClass {}
// SAFETY: as above, shared access only reads the `'static` data and the atomic.
unsafe impl Sync for LazyClass {}

impl LazyClass {
    pub(crate) const fn site(site: &'static Location<'static>) -> Self {
        LazyClass {
            ptr: site as *const Location<'static> as *const u8,
            meta: AtomicU64::new(SITE_TAG),
        }
    }

    pub(crate) const fn name(name: &'static str) -> Self {
        assert!(
            (name.len() as u64) < SITE_ORDERED,
            "lockcheck: lock class name too long"
        );
        LazyClass {
            ptr: name.as_ptr(),
            meta: AtomicU64::new(name.len() as u64),
        }
    }

    pub(crate) fn source(&self) -> ClassSource {
        let tag = self.meta.load(Ordering::Relaxed) & LOW;
        if tag >= SITE_ORDERED {
            // SAFETY: the tag says `ptr` came from a `&'static Location<'static>` in `site`.
            ClassSource::Site(unsafe { &*(self.ptr as *const Location<'static>) })
        } else {
            // SAFETY: the tag is the length of the `&'static str` whose pointer `name` stored;
            // the bytes are valid UTF-8 for `'static`.
            ClassSource::Name(unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr, tag as usize))
            })
        }
    }

    /// The class's name in reports, without registering it (`ty`: the lock's type name).
    pub(crate) fn name_for_report(&self, ty: &str) -> String {
        if let Some(id) = self.cached_id() {
            return class_info(id).name.to_owned();
        }
        match self.source() {
            ClassSource::Name(n) => n.to_owned(),
            ClassSource::Site(s) => format!(
                "{} at {}:{}:{}",
                short_type_name(ty),
                s.file(),
                s.line(),
                s.column()
            ),
        }
    }

    /// The lock instance's identity while it is held: the address of its class field (the lock
    /// cannot move while a guard borrows it).
    #[inline(always)]
    pub(crate) fn instance(&self) -> usize {
        self as *const LazyClass as usize
    }

    /// The class field whose [`instance`](Self::instance) is `instance`.
    ///
    /// # Safety
    ///
    /// `instance` must come from a lock that is still borrowed (a live guard's).
    pub(crate) unsafe fn of_instance<'a>(instance: usize) -> &'a LazyClass {
        // SAFETY: the caller guarantees the lock, and so its class field, is alive and borrowed.
        unsafe { &*(instance as *const LazyClass) }
    }

    /// The class id, once resolved. Hot path: one relaxed load.
    #[inline(always)]
    pub(crate) fn cached_id(&self) -> Option<ClassId> {
        match (self.meta.load(Ordering::Relaxed) >> 32) as u32 & ID_BITS {
            0 => None,
            id => Some(ClassId::from_u32(id)),
        }
    }

    /// Marks this instance as a gate lock of some learned order (`graph/gates.rs`): when it is
    /// dropped, it leaves every gate.
    pub(crate) fn mark_gate(&self) {
        if self.meta.load(Ordering::Relaxed) & GATE == 0 {
            self.meta.fetch_or(GATE, Ordering::Relaxed);
        }
    }

    /// Whether this instance is a gate lock of some learned order.
    #[inline(always)]
    pub(crate) fn is_gate(&self) -> bool {
        self.meta.load(Ordering::Relaxed) & GATE != 0
    }

    /// Marks this instance as having orders of its own, to forget when it is dropped.
    pub(crate) fn mark_instance_ordered(&self) {
        // Only a site class's instance gets instance orders; a name's length is never touched.
        if self.meta.load(Ordering::Relaxed) & LOW == SITE_TAG {
            self.meta
                .fetch_and(!(SITE_TAG ^ SITE_ORDERED), Ordering::Relaxed);
        }
    }

    /// Whether this instance has orders of its own.
    #[inline(always)]
    pub(crate) fn is_instance_ordered(&self) -> bool {
        self.meta.load(Ordering::Relaxed) & LOW == SITE_ORDERED
    }

    /// The class id, registering the class the first time. `site` is where the lock is being
    /// used (a named class remembers its first one; a lock built outside the user's code is
    /// placed there); `ty` is the lock's type name.
    #[cold]
    pub(crate) fn resolve(&self, site: &'static Location<'static>, ty: &'static str) -> ClassId {
        let id = registry_intern(self.source(), site, ty);
        note_first_use(id, site);
        // Threads that race here all get the same id from the registry and store the same
        // bits, so whichever store lands last changes nothing.
        self.meta
            .fetch_or(u64::from(id.as_u32()) << 32, Ordering::Relaxed);
        id
    }
}

/// What is known of one class, for reports.
#[derive(Clone, Debug)]
pub(crate) struct ClassInfo {
    /// The name in reports: the given name; or the lock's type and its construction site
    /// (`Mutex<u32> at src/lib.rs:3:9`), or for a lock built outside the user's code the place it
    /// was first locked (`Mutex<u32> first locked at src/lib.rs:8:5`).
    /// Leaked once per class: classes are never freed, and a report naming a class thousands of
    /// times then borrows the name instead of copying it.
    pub(crate) name: &'static str,
    /// Whether the class was given a name (only named classes can have a declared rank).
    pub(crate) named: bool,
    /// Where the class comes from: a site class's construction site; for a named class, the
    /// first place a lock of it was used (a `const fn` constructor cannot record anything).
    pub(crate) site: Option<&'static Location<'static>>,
}

/// A site class's key: the place (construction, or first lock for a lock built outside the
/// user's code), whether it is the first lock, and the lock's type name.
type SiteKey = (&'static str, u32, u32, bool, &'static str);

#[derive(Default)]
struct Registry {
    by_name: HashMap<&'static str, ClassId>,
    by_site: HashMap<SiteKey, ClassId>,
}

/// Whether a construction site is not the user's code: the standard library (`/rustc/<hash>/
/// library/..`, or a locally built `library/..`) or lockcheck's own sources.
pub(crate) fn built_outside_user_code(file: &str) -> bool {
    let own_dir = file!().strip_suffix("class.rs").unwrap_or(file!());
    file.starts_with("/rustc/")
        || [
            "library/core/src/",
            "library/alloc/src/",
            "library/std/src/",
        ]
        .iter()
        .any(|lib| file.contains(lib))
        || file.starts_with(own_dir)
}

/// A type name without its module paths: `lockcheck_runtime::sync::mutex::Mutex<alloc::vec::
/// Vec<u32>>` → `Mutex<Vec<u32>>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        out.push_str(segment.rsplit("::").next().unwrap_or(segment));
        segment.clear();
    };
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            flush(&mut segment, &mut out);
            out.push(c);
        }
    }
    flush(&mut segment, &mut out);
    out
}

static REGISTRY: LazyLock<Internal<Registry>> = LazyLock::new(Default::default);
/// Class infos by `ClassId::index`, append-only. Read by reports, written when a class is new.
static CLASSES: InternalRw<Vec<ClassInfo>> = InternalRw::new(Vec::new());

fn registry_intern(
    source: ClassSource,
    used_at: &'static Location<'static>,
    ty: &'static str,
) -> ClassId {
    // A site class is placed where the user's code is: its construction site, or its first lock.
    // Its key and name are made before the registry is locked: nothing allocates under it.
    let placed = match source {
        ClassSource::Name(name) => Err(name),
        ClassSource::Site(built) => {
            let (l, first) = if built_outside_user_code(built.file()) {
                (used_at, true)
            } else {
                (built, false)
            };
            let how = if first { "first locked at" } else { "at" };
            let name = format!(
                "{} {how} {}:{}:{}",
                short_type_name(ty),
                l.file(),
                l.line(),
                l.column()
            );
            Ok(((l.file(), l.line(), l.column(), first, ty), l, name))
        }
    };
    let mut reg = REGISTRY.lock();
    let existing = match &placed {
        Err(name) => reg.by_name.get(name).copied(),
        Ok((key, ..)) => reg.by_site.get(key).copied(),
    };
    if let Some(id) = existing {
        return id;
    }
    let mut classes = CLASSES.write();
    let next = classes.len() as u32 + 1;
    if next > MAX_CLASS_ID {
        // A panic, not a silent stop (lockdep's "MAX_LOCKDEP_KEYS too low" turns the checker
        // off), raised once the checker's own locks are released.
        drop((classes, reg));
        panic!("lockcheck: more than {MAX_CLASS_ID} lock classes");
    }
    let id = ClassId::from_u32(next);
    let info = match placed {
        Ok((key, site, name)) => {
            reg.by_site.insert(key, id);
            ClassInfo {
                name: Box::leak(name.into_boxed_str()),
                named: false,
                site: Some(site),
            }
        }
        Err(name) => {
            reg.by_name.insert(name, id);
            ClassInfo {
                name,
                named: true,
                site: None,
            }
        }
    };
    classes.push(info);
    id
}

/// Records the first acquisition site of a named class, which has no construction site.
fn note_first_use(class: ClassId, site: &'static Location<'static>) {
    let needs = CLASSES
        .read()
        .get(class.index())
        .is_some_and(|c| c.site.is_none());
    if needs {
        let mut classes = CLASSES.write();
        if let Some(c) = classes.get_mut(class.index()) {
            c.site.get_or_insert(site);
        }
    }
}

/// A copy of one class's info. Slow path only (reports).
pub(crate) fn class_info(class: ClassId) -> ClassInfo {
    CLASSES
        .read()
        .get(class.index())
        .cloned()
        .unwrap_or(ClassInfo {
            name: "<unknown class>",
            named: false,
            site: None,
        })
}

/// Every class known so far, in id order.
pub(crate) fn all_classes() -> Vec<(ClassId, ClassInfo)> {
    CLASSES
        .read()
        .iter()
        .enumerate()
        .map(|(i, c)| (ClassId::from_u32(i as u32 + 1), c.clone()))
        .collect()
}

/// The id of a named class, if a lock of that name has been used.
pub(crate) fn named_class(name: &str) -> Option<ClassId> {
    REGISTRY.lock().by_name.get(name).copied()
}

/// A key's name in reports: the class name, with `/n` for a nesting level above 0.
pub(crate) fn key_name(key: LockKey) -> String {
    with_key_names(|name| name(key).into_owned())
}

/// Runs `f` with a key-name lookup that reads the class table once, for a long cycle's report,
/// which names thousands. `f` should not allocate much: the table is read-locked meanwhile.
pub(crate) fn with_key_names<R>(f: impl FnOnce(&dyn Fn(LockKey) -> Cow<'static, str>) -> R) -> R {
    let classes = CLASSES.read();
    let name = |key: LockKey| -> Cow<'static, str> {
        let class = key.class();
        match (classes.get(class.index()), key.subclass()) {
            (Some(info), 0) => Cow::Borrowed(info.name),
            (Some(info), n) => Cow::Owned(format!("{}/{n}", info.name)),
            (None, 0) => Cow::Owned(format!("<class {}>", class.as_u32())),
            (None, n) => Cow::Owned(format!("<class {}>/{n}", class.as_u32())),
        }
    };
    f(&name)
}

impl fmt::Display for ClassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(class_info(*self).name)
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::{short_type_name, LazyClass};

    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(
            short_type_name("lockcheck_runtime::sync::mutex::Mutex<alloc::vec::Vec<u32>>"),
            "Mutex<Vec<u32>>"
        );
        assert_eq!(
            short_type_name("a::B<c::D, (e::F, [g::H; 2])>"),
            "B<D, (F, [H; 2])>"
        );
    }

    /// One class per construction site and type, however many locks are built there: ids are
    /// never recycled, and never multiplied.
    #[test]
    fn a_site_makes_one_class_however_many_locks() {
        let site = Location::caller();
        let ids: Vec<_> = (0..1_000)
            .map(|_| LazyClass::site(site).resolve(site, "Mutex<u8>"))
            .collect();
        assert!(ids.iter().all(|&id| id == ids[0]));
        let other_type = LazyClass::site(site).resolve(site, "Mutex<u16>");
        assert_ne!(
            other_type, ids[0],
            "another type at the same site is another class"
        );
    }

    /// A name is one class, whatever the site or type of its locks.
    #[test]
    fn a_name_is_one_class() {
        let here = Location::caller();
        let a = LazyClass::name("class.test.named").resolve(here, "Mutex<u8>");
        let b = LazyClass::name("class.test.named").resolve(Location::caller(), "RwLock<()>");
        assert_eq!(a, b);
        assert_eq!(super::class_info(a).name, "class.test.named");
        assert!(super::class_info(a).named);
    }
}
