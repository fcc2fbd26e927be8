//! What a lock is, from its declared type where the source shows one (struct fields, statics,
//! `let` with a type or a constructor, function parameters): a blocking or an `async` lock, a
//! re-entrant one, or not a lock at all. Where no type is visible the lint falls back to the
//! method-name heuristic (`x.lock()`, `x.read()`, … on a path is an acquisition).
//!
//! The names cover std, parking_lot, lock_api's aliases, spin, tokio, async-lock, async-std,
//! futures and lockcheck (`Mutex`, `RwLock`, `FairMutex`, `ReentrantMutex`, …: a type whose
//! name ends in `Mutex` or `Lock`). A lock is `async` when its path names an async crate
//! (`tokio::sync::Mutex`) or the file imports that name from one (`use tokio::sync::Mutex;`):
//! its `lock()` is a future, and only `.lock().await` (or `blocking_lock()`) acquires it.

use std::collections::{BTreeMap, BTreeSet};

/// The crates whose `Mutex`/`RwLock` are acquired with `.await`.
const ASYNC_CRATES: &[&str] = &[
    "tokio",
    "async_lock",
    "async_std",
    "futures",
    "futures_util",
    "futures_locks",
    "async_mutex",
    "smol",
];

/// Lock types that the thread holding them may take again.
const REENTRANT: &[&str] = &["ReentrantMutex", "ReentrantLock", "Stdout", "Stderr"];

/// What a declared type says of the value's `lock()`/`read()`/`write()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockKind {
    /// A lock.
    Lock {
        /// Taking it again on the thread that holds it is no deadlock.
        reentrant: bool,
        /// Its acquiring methods return futures: `.await` acquires.
        asynchronous: bool,
    },
    /// A struct of the crate that is not a lock (its `read()` is its own method).
    NotALock,
}

/// A declared type, as far as kinds go: the segments of the path it points to (through `&`,
/// `Arc`, `Rc`, `Box`, `Pin`, `Weak`), and the file it is written in.
#[derive(Clone, Debug)]
pub(crate) struct DeclaredType {
    pub(crate) segments: Vec<String>,
    pub(crate) file: usize,
    /// How the lint names the type (`type_keys.rs`): its name, or its module path and name
    /// when two modules define that name.
    pub(crate) key: String,
}

impl DeclaredType {
    /// The declared type `ty`, written in `file` and named by `key_of` (from its path's
    /// segments).
    pub(crate) fn of(
        ty: &syn::Type,
        file: usize,
        key_of: impl Fn(&[String]) -> String,
    ) -> Option<DeclaredType> {
        let path = pointee_path(ty)?;
        Some(DeclaredType::from_segments(
            path.segments.iter().map(|s| s.ident.to_string()).collect(),
            file,
            key_of,
        ))
    }

    pub(crate) fn from_segments(
        segments: Vec<String>,
        file: usize,
        key_of: impl Fn(&[String]) -> String,
    ) -> DeclaredType {
        let key = key_of(&segments);
        DeclaredType {
            segments,
            file,
            key,
        }
    }

    /// The type's own name: its last segment.
    pub(crate) fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }
}

/// The path a type points to, through references and the owning or sharing wrappers.
fn pointee_path(ty: &syn::Type) -> Option<&syn::Path> {
    match ty {
        syn::Type::Reference(r) => pointee_path(&r.elem),
        syn::Type::Paren(p) => pointee_path(&p.elem),
        syn::Type::Group(g) => pointee_path(&g.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            if !matches!(
                last.ident.to_string().as_str(),
                "Arc" | "Rc" | "Box" | "Pin" | "Weak"
            ) {
                return Some(&p.path);
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return Some(&p.path);
            };
            args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => pointee_path(t),
                _ => None,
            })
        }
        _ => None,
    }
}

/// The declared types of a crate: struct fields, statics, and each file's imports from async
/// crates. Collected before any body is walked.
#[derive(Default, Debug)]
pub(crate) struct Declared {
    /// (struct, field) → its declared type.
    pub(crate) fields: BTreeMap<(String, String), DeclaredType>,
    /// static → its declared type.
    pub(crate) statics: BTreeMap<String, DeclaredType>,
    /// The crate's structs, by key.
    pub(crate) structs: BTreeSet<String>,
    /// Struct fields (struct, field) whose declared type can be shared beyond one instance.
    pub(crate) shared_fields: BTreeSet<(String, String)>,
    /// Per file: names imported from async crates (`use tokio::sync::{Mutex, RwLock}`).
    pub(crate) async_names: BTreeMap<usize, BTreeSet<String>>,
    /// Function name → the type every inherent method, trait method and free function of that
    /// name declares it returns (through `Result`/`Option`); `None` when they disagree or one
    /// shows none. `let mut cursor = data.cursor();` is then a `Cursor`.
    pub(crate) returns: BTreeMap<String, Option<DeclaredType>>,
    /// The crate's own acquiring methods, by name (`accessors::receiver_acquirer`): `rl` →
    /// `read`. `None` when two definitions of the name disagree.
    pub(crate) acquirers: BTreeMap<String, Option<lockcheck_syntax::methods::AcquireMethod>>,
}

impl Declared {
    /// The kind of a declared type; `None` when it says nothing (a generic, an unknown type).
    pub(crate) fn kind(&self, t: &DeclaredType) -> Option<LockKind> {
        let name = t.name();
        let imported_async = self
            .async_names
            .get(&t.file)
            .is_some_and(|names| names.contains(name));
        if is_lock_name(name) || imported_async {
            let asynchronous = imported_async
                || t.segments
                    .iter()
                    .any(|s| ASYNC_CRATES.contains(&s.as_str()));
            return Some(LockKind::Lock {
                reentrant: REENTRANT.contains(&name),
                asynchronous,
            });
        }
        self.structs.contains(&t.key).then_some(LockKind::NotALock)
    }

    /// The declared type at the end of a field path from a struct (`Queue`, `device.trackers`
    /// → the type of `Device`'s `trackers`).
    pub(crate) fn field_path(&self, ty: &str, fields: &str) -> Option<&DeclaredType> {
        let mut ty = ty.to_owned();
        let mut found = None;
        for field in fields.split('.') {
            let t = self.fields.get(&(ty.clone(), field.to_owned()))?;
            ty = t.key.clone();
            found = Some(t);
        }
        found
    }

    /// The kind at the end of `fields` from a value of declared type `t` (`fields` empty: `t`'s
    /// own kind).
    pub(crate) fn kind_through(&self, t: &DeclaredType, fields: &str) -> Option<LockKind> {
        if fields.is_empty() {
            return self.kind(t);
        }
        self.field_path(&t.key, fields).and_then(|t| self.kind(t))
    }
}

impl Declared {
    /// Records that a function of the crate named `name` returns `ty`.
    pub(crate) fn record_return(&mut self, name: String, ty: Option<DeclaredType>) {
        match self.returns.entry(name) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(ty);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let agree = matches!((o.get(), &ty), (Some(a), Some(b)) if a.key == b.key);
                if !agree {
                    o.insert(None);
                }
            }
        }
    }
}

/// The type a function's signature says it returns, through `Result<T, _>` and `Option<T>`
/// (a call's `?` or `.unwrap()` gives the `T`), with `Self` as `self_ty`.
pub(crate) fn return_type(output: &syn::ReturnType) -> Option<&syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut ty = &**ty;
    if let syn::Type::Path(p) = ty {
        let last = p.path.segments.last()?;
        if matches!(last.ident.to_string().as_str(), "Result" | "Option") {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if let Some(syn::GenericArgument::Type(t)) = args.args.first() {
                    ty = t;
                }
            }
        }
    }
    Some(ty)
}

/// `Mutex`, `RwLock`, `FairMutex`, `ReentrantLock`, `SnatchLock`, …; not `Block` or `Clock`.
fn is_lock_name(name: &str) -> bool {
    name.ends_with("Mutex")
        || name.ends_with("Lock")
        || REENTRANT.contains(&name)
        || name == "Stdin"
}

/// The names a `use` item imports from an async crate, under the names the file uses.
pub(crate) fn async_imports(u: &syn::ItemUse, out: &mut BTreeSet<String>) {
    // A path through an async crate, or through a module of that name that re-exports one
    // (`lockcheck::tokio::Mutex`).
    fn walk(tree: &syn::UseTree, from_async: bool, out: &mut BTreeSet<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                let is_async = from_async || ASYNC_CRATES.contains(&p.ident.to_string().as_str());
                walk(&p.tree, is_async, out);
            }
            syn::UseTree::Name(n) if from_async => {
                out.insert(n.ident.to_string());
            }
            // `use tokio::sync::Mutex as AsyncMutex;`: the new name is a lock too.
            syn::UseTree::Rename(r) if from_async && is_lock_name(&r.ident.to_string()) => {
                out.insert(r.rename.to_string());
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    walk(t, from_async, out);
                }
            }
            _ => {}
        }
    }
    walk(&u.tree, false, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(src: &str) -> (Declared, Vec<DeclaredType>) {
        let file: syn::File = syn::parse_str(src).unwrap();
        let mut d = Declared::default();
        let mut types = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Use(u) => async_imports(u, d.async_names.entry(0).or_default()),
                syn::Item::Struct(s) => {
                    d.structs.insert(s.ident.to_string());
                }
                syn::Item::Static(s) => types.push(
                    DeclaredType::of(&s.ty, 0, |s| s.last().cloned().unwrap_or_default()).unwrap(),
                ),
                _ => {}
            }
        }
        (d, types)
    }

    #[test]
    fn kinds_from_declared_types() {
        let (d, t) = declared(
            "use tokio::sync::{Mutex as TMutex, RwLock};\n\
             use lockcheck::tokio::Mutex as CheckedAsync;\n\
             struct Config;\n\
             static A: std::sync::Mutex<u8> = x;\n\
             static B: Arc<TMutex<u8>> = x;\n\
             static C: &RwLock<u8> = x;\n\
             static D: parking_lot::ReentrantMutex<u8> = x;\n\
             static E: Config = x;\n\
             static F: Block = x;\n\
             static G: async_lock::Mutex<u8> = x;\n\
             static H: CheckedAsync<u8> = x;\n",
        );
        let lock = |reentrant, asynchronous| {
            Some(LockKind::Lock {
                reentrant,
                asynchronous,
            })
        };
        let kinds: Vec<_> = t.iter().map(|t| d.kind(t)).collect();
        assert_eq!(
            kinds,
            [
                lock(false, false),
                lock(false, true),
                lock(false, true),
                lock(true, false),
                Some(LockKind::NotALock),
                None,
                lock(false, true),
                lock(false, true),
            ]
        );
    }
}
