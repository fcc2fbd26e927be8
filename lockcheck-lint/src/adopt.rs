//! `cargo lockcheck adopt`: a crate moved onto lockcheck's locks in one command.
//!
//! Every `use` item of the crate's sources (nested in functions and modules too) that names a
//! lock of `std::sync`, `parking_lot` or `tokio::sync` is rewritten: the lock items move to the
//! lockcheck flavour that speaks the same API (`lockcheck::sync`, `lockcheck::parking_lot`,
//! `lockcheck::tokio`), whatever the nesting (`use std::{collections::HashMap, sync::{Arc,
//! Mutex}};`, over many lines); every other item stays where it was (`Arc`, atomics, channels,
//! `OnceLock`). Paths in code (`std::sync::Mutex::new(..)`, `parking_lot::RwLock<T>`) are
//! rewritten too, and a module imported whole (`use std::sync; .. sync::Mutex`) is followed.
//! The manifest gains the dependency, with the features the flavours need.
//!
//! What it cannot rewrite is said, never silently left: glob imports (`use std::sync::*`) and
//! paths inside macro invocations are listed by `--check`, which names every lock still built
//! from std, parking_lot or tokio (exit 1), the check a port needs: a suite that passes with
//! its core locks silently unchecked proves nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::{Span, UncheckedLock};
use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// A lock family: where its locks come from, and the lockcheck flavour that replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Std,
    ParkingLot,
    Tokio,
}

impl Family {
    /// The module path the family's locks live in.
    fn from_path(path: &[String]) -> Option<Family> {
        match path {
            [a, b] if a == "std" && b == "sync" => Some(Family::Std),
            [a] if a == "parking_lot" => Some(Family::ParkingLot),
            [a, b] if a == "tokio" && b == "sync" => Some(Family::Tokio),
            _ => None,
        }
    }

    fn is_lock(self, name: &str) -> bool {
        let locks: &[&str] = match self {
            Family::Std => &[
                "Mutex",
                "MutexGuard",
                "RwLock",
                "RwLockReadGuard",
                "RwLockWriteGuard",
                "Condvar",
            ],
            Family::ParkingLot => &[
                "Mutex",
                "MutexGuard",
                "MappedMutexGuard",
                "FairMutex",
                "FairMutexGuard",
                "MappedFairMutexGuard",
                "RwLock",
                "RwLockReadGuard",
                "RwLockWriteGuard",
                "RwLockUpgradableReadGuard",
                "MappedRwLockReadGuard",
                "MappedRwLockWriteGuard",
                "ReentrantMutex",
                "ReentrantMutexGuard",
                "MappedReentrantMutexGuard",
                "ArcMutexGuard",
                "ArcRwLockReadGuard",
                "ArcRwLockWriteGuard",
                "Condvar",
            ],
            Family::Tokio => &[
                "Mutex",
                "MutexGuard",
                "MappedMutexGuard",
                "OwnedMutexGuard",
                "OwnedMappedMutexGuard",
                "RwLock",
                "RwLockReadGuard",
                "RwLockWriteGuard",
                "RwLockMappedWriteGuard",
                "OwnedRwLockReadGuard",
                "OwnedRwLockWriteGuard",
            ],
        };
        locks.contains(&name)
    }

    /// The lockcheck module that replaces it.
    fn replacement(self) -> &'static str {
        match self {
            Family::Std => "lockcheck::sync",
            Family::ParkingLot => "lockcheck::parking_lot",
            Family::Tokio => "lockcheck::tokio",
        }
    }

    /// The lockcheck feature it needs.
    fn feature(self) -> Option<&'static str> {
        match self {
            Family::Std => None,
            Family::ParkingLot => Some("parking_lot"),
            Family::Tokio => Some("tokio"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Std => "std::sync",
            Family::ParkingLot => "parking_lot",
            Family::Tokio => "tokio::sync",
        }
    }
}

/// One leaf of a `use` tree: its module path, and the name it imports (`self`, `*` for a glob).
#[derive(Clone, Debug)]
struct Leaf {
    leading_colon: bool,
    path: Vec<String>,
    name: String,
    rename: Option<String>,
    /// Where its name is written (`call_site` for the leaves adopt makes).
    span: proc_macro2::Span,
}

impl Leaf {
    fn family(&self) -> Option<Family> {
        Family::from_path(&self.path).filter(|f| f.is_lock(&self.name))
    }

    fn text(&self) -> String {
        match &self.rename {
            Some(r) => format!("{} as {r}", self.name),
            None => self.name.clone(),
        }
    }
}

fn leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, colon: bool, out: &mut Vec<Leaf>) {
    let leaf = |name: String, rename: Option<String>, span: proc_macro2::Span| Leaf {
        leading_colon: colon,
        path: prefix.clone(),
        name,
        rename,
        span,
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            leaves(&p.tree, prefix, colon, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(leaf(n.ident.to_string(), None, n.ident.span())),
        syn::UseTree::Rename(r) => out.push(leaf(
            r.ident.to_string(),
            Some(r.rename.to_string()),
            r.span(),
        )),
        syn::UseTree::Glob(g) => out.push(leaf("*".to_owned(), None, g.star_token.span)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                leaves(t, prefix, colon, out);
            }
        }
    }
}

/// A `use` tree's text from its leaves, grouped by common prefix (`std::{a, sync::{b, c}}`).
fn tree_text(leaves: &[Leaf]) -> String {
    /// A prefix's items in their first order: names, and the paths that go on.
    #[derive(Default)]
    struct Node {
        children: BTreeMap<String, Node>,
        order: Vec<Result<String, String>>,
    }
    fn insert(node: &mut Node, path: &[String], name: String) {
        match path.split_first() {
            None => node.order.push(Ok(name)),
            Some((first, rest)) => {
                if !node.children.contains_key(first) {
                    node.order.push(Err(first.clone()));
                }
                insert(node.children.entry(first.clone()).or_default(), rest, name);
            }
        }
    }
    fn print(node: &Node) -> Vec<String> {
        node.order
            .iter()
            .map(|entry| match entry {
                Ok(name) => name.clone(),
                Err(seg) => {
                    let inner = print(&node.children[seg]);
                    if inner.len() == 1 {
                        format!("{seg}::{}", inner[0])
                    } else {
                        format!("{seg}::{{{}}}", inner.join(", "))
                    }
                }
            })
            .collect()
    }
    let mut root = Node::default();
    for l in leaves {
        insert(&mut root, &l.path, l.text());
    }
    let items = print(&root);
    let colon = if leaves.first().is_some_and(|l| l.leading_colon) {
        "::"
    } else {
        ""
    };
    if items.len() == 1 {
        format!("{colon}{}", items[0])
    } else {
        format!("{colon}{{{}}}", items.join(", "))
    }
}

/// One text replacement in a file: the byte range, the new text, and what it is (for the list
/// of changes).
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// A lock of std, parking_lot or tokio left where adopt could not move it.
#[derive(Clone, Debug)]
pub struct Leftover {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is there and why it stays.
    pub what: String,
}

/// What adopting one file found.
struct FileScan {
    edits: Vec<Edit>,
    families: Vec<Family>,
    leftovers: Vec<(usize, String)>,
    /// Every lock of a family named in the file (for LC007): where, what, whose.
    unchecked: Vec<(proc_macro2::Span, String, Family)>,
    /// Whether the file names `lockcheck` (a `use`, a path, an attribute, `extern crate`).
    uses_lockcheck: bool,
}

/// The names a file gives lock families' modules (`use std::sync;`), kept from one chunk of a
/// large file to the next (`collect/chunks.rs`).
#[derive(Default)]
pub(crate) struct ModuleAliases(BTreeMap<String, Family>);

/// The locks of std, parking_lot and tokio that one parsed file of the crate, at `index` (or a
/// chunk of one, after the chunks before it gave `aliases`), names, and whether it names
/// lockcheck at all: the lint's LC007 `unchecked-lock`.
pub(crate) fn unchecked_locks(
    file: &syn::File,
    text: &str,
    index: usize,
    aliases: &mut ModuleAliases,
) -> (Vec<UncheckedLock>, bool) {
    let scan = scan_tree(file, text, aliases);
    let unchecked = scan
        .unchecked
        .into_iter()
        .map(|(span, what, family)| UncheckedLock {
            span: Span::of(index, span),
            what,
            family: family.name(),
            replacement: family.replacement(),
        })
        .collect();
    (unchecked, scan.uses_lockcheck)
}

/// Byte offsets of each line's start.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of a span position (line 1-based, column in characters).
    fn offset(&self, at: LineColumn) -> usize {
        let start = self
            .starts
            .get(at.line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(at.column)
                .map_or(line.len(), |(i, _)| i)
    }
}

struct Scanner<'a> {
    lines: &'a Lines<'a>,
    scan: FileScan,
    /// Names that stand for a lock family's module (`use std::sync;`, `use tokio::sync as ts;`).
    module_aliases: BTreeMap<String, Family>,
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut all = Vec::new();
        leaves(
            &item.tree,
            &mut Vec::new(),
            item.leading_colon.is_some(),
            &mut all,
        );
        for l in &all {
            if l.path.first().map(String::as_str) == Some("lockcheck") {
                self.scan.uses_lockcheck = true;
            }
            if let Some(family) = l.family() {
                self.scan.unchecked.push((
                    l.span,
                    format!("{}::{}", l.path.join("::"), l.name),
                    family,
                ));
            }
            // A family's module imported whole: its paths in code are followed.
            if let Some((alias, f)) = module_alias(l) {
                self.module_aliases.insert(alias, f);
            }
            if l.name == "*" && Family::from_path(&l.path).is_some() {
                let line = item.span().start().line;
                self.scan.leftovers.push((
                    line,
                    format!(
                        "`use {}::*`: a glob import; name its locks from `{}` instead",
                        l.path.join("::"),
                        Family::from_path(&l.path).map_or("", Family::replacement)
                    ),
                ));
            }
        }
        // `std::sync` imported whole goes whole: `lockcheck::sync` is std's module with the
        // locks checked (every other item is std's own, re-exported), so `sync::Mutex`,
        // `crate::sync::Mutex` through a re-export, and `sync::Arc` all keep working.
        let whole = |l: &Leaf| module_alias(l).is_some_and(|(_, f)| f == Family::Std);
        let (locks, rest): (Vec<Leaf>, Vec<Leaf>) = all
            .into_iter()
            .partition(|l| l.family().is_some() || whole(l));
        if locks.is_empty() {
            return;
        }
        let mut moved: Vec<Leaf> = Vec::new();
        for l in &locks {
            let Some(family) = l.family() else {
                // The module itself: `use std::sync;` → `use lockcheck::sync;`.
                self.scan.families.push(Family::Std);
                moved.push(Leaf {
                    leading_colon: false,
                    path: vec!["lockcheck".to_owned()],
                    name: "sync".to_owned(),
                    rename: match (&l.rename, l.name.as_str()) {
                        (Some(r), _) => Some(r.clone()),
                        (None, "self") => None,
                        _ => None,
                    },
                    span: l.span,
                });
                continue;
            };
            self.scan.families.push(family);
            moved.push(Leaf {
                leading_colon: false,
                path: family
                    .replacement()
                    .split("::")
                    .map(str::to_owned)
                    .collect(),
                name: l.name.clone(),
                rename: l.rename.clone(),
                span: l.span,
            });
        }
        let tree = &item.tree;
        let start = self.lines.offset(
            item.leading_colon
                .as_ref()
                .map_or_else(|| tree.span().start(), |c| c.span().start()),
        );
        let end = self.lines.offset(tree.span().end());
        let vis = match &item.vis {
            syn::Visibility::Inherited => String::new(),
            v => format!("{} ", quote::quote!(#v)),
        };
        let text = if rest.is_empty() {
            tree_text(&moved)
        } else {
            // The lock items go to a `use` of their own, right after this one.
            let semi_end = self.lines.offset(item.semi_token.span().end());
            let line_start = self.lines.starts[item.span().start().line.saturating_sub(1)];
            let indent: String = self.lines.text[line_start..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            self.scan.edits.push(Edit {
                start: semi_end,
                end: semi_end,
                text: format!("\n{indent}{vis}use {};", tree_text(&moved)),
            });
            tree_text(&rest)
        };
        self.scan.edits.push(Edit { start, end, text });
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        // `std::sync::Mutex`, `parking_lot::Mutex`, `tokio::sync::Mutex`, or an alias's.
        let found = (1..segs.len()).find_map(|n| {
            // `std::sync` imported whole becomes `lockcheck::sync` itself: its paths stay.
            let family = Family::from_path(&segs[..n]).or_else(|| {
                (n == 1)
                    .then(|| self.module_aliases.get(&segs[0]).copied())
                    .flatten()
                    .filter(|f| *f != Family::Std)
            })?;
            family.is_lock(&segs[n]).then_some((n, family))
        });
        if segs.first().map(String::as_str) == Some("lockcheck") {
            self.scan.uses_lockcheck = true;
        }
        // `sync::Mutex` under `use std::sync;`: not moved (the `use` is), but not checked.
        let through_std_module = (segs.len() > 1
            && self.module_aliases.get(&segs[0]) == Some(&Family::Std)
            && Family::Std.is_lock(&segs[1]))
        .then_some((1, Family::Std));
        if let Some((n, family)) = found.or(through_std_module) {
            self.scan
                .unchecked
                .push((path.span(), segs[..=n].join("::"), family));
        }
        if let Some((n, family)) = found {
            let start = match &path.leading_colon {
                Some(c) => c.span().start(),
                None => path.segments[0].ident.span().start(),
            };
            let end = path.segments[n].ident.span().end();
            self.scan.families.push(family);
            self.scan.edits.push(Edit {
                start: self.lines.offset(start),
                end: self.lines.offset(end),
                text: format!("{}::{}", family.replacement(), segs[n]),
            });
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        if item.ident == "lockcheck" {
            self.scan.uses_lockcheck = true;
        }
        syn::visit::visit_item_extern_crate(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let tokens = mac.tokens.to_string();
        for family in [Family::Std, Family::ParkingLot, Family::Tokio] {
            let needle = format!("{} :: ", family.name().replace("::", " :: "));
            if let Some(i) = tokens.find(&needle) {
                let name: String = tokens[i + needle.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if family.is_lock(&name) {
                    self.scan.unchecked.push((
                        mac.span(),
                        format!("{}::{name}", family.name()),
                        family,
                    ));
                    self.scan.leftovers.push((
                        mac.span().start().line,
                        format!(
                            "`{}::{name}` inside a macro invocation: change it by hand",
                            family.name()
                        ),
                    ));
                }
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// The name a `use` leaf gives a lock family's module (`use std::sync;`, `use tokio::sync as
/// ts;`, `use std::sync::{self, Arc};`).
fn module_alias(l: &Leaf) -> Option<(String, Family)> {
    let mut full = l.path.clone();
    if l.name != "self" {
        full.push(l.name.clone());
    }
    let family = Family::from_path(&full)?;
    let alias = l.rename.clone().or_else(|| full.last().cloned())?;
    Some((alias, family))
}

fn scan(text: &str) -> Result<FileScan, String> {
    let file = syn::parse_file(text).map_err(|e| format!("not parsed: {e}"))?;
    Ok(scan_tree(&file, text, &mut ModuleAliases::default()))
}

fn scan_tree(file: &syn::File, text: &str, aliases: &mut ModuleAliases) -> FileScan {
    let lines = Lines::new(text);
    let mut s = Scanner {
        lines: &lines,
        scan: FileScan {
            edits: Vec::new(),
            families: Vec::new(),
            leftovers: Vec::new(),
            unchecked: Vec::new(),
            uses_lockcheck: false,
        },
        module_aliases: std::mem::take(&mut aliases.0),
    };
    // Module imports first (a `use std::sync;` below its use in code still counts).
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            let mut all = Vec::new();
            leaves(&u.tree, &mut Vec::new(), false, &mut all);
            for l in all {
                if let Some((alias, f)) = module_alias(&l) {
                    s.module_aliases.insert(alias, f);
                }
            }
        }
    }
    s.visit_file(file);
    aliases.0 = s.module_aliases;
    s.scan
}

fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        if e.start < at {
            continue; // overlapping (never expected): the first wins
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A line diff of `old` and `new` whose changes are local: the changed lines between the
/// common head and tail, as one hunk per run of changed lines.
fn diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    // Greedy alignment: edits only ever change or insert lines, in order.
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        // A changed run: up to where the old and new lines meet again.
        let (si, sj) = (i, j);
        let meet = (i..a.len().min(i + 64))
            .flat_map(|x| (j..b.len().min(j + 64)).map(move |y| (x, y)))
            .filter(|&(x, y)| a[x] == b[y])
            .min_by_key(|&(x, y)| (x - i) + (y - j));
        let (ei, ej) = meet.unwrap_or((a.len(), b.len()));
        let _ = writeln!(out, "@@ -{},{} +{},{} @@", si + 1, ei - si, sj + 1, ej - sj);
        for l in &a[si..ei] {
            let _ = writeln!(out, "-{l}");
        }
        for l in &b[sj..ej] {
            let _ = writeln!(out, "+{l}");
        }
        i = ei;
        j = ej;
    }
    out
}

/// What `adopt` did or would do.
#[derive(Debug, Default)]
pub struct Adoption {
    /// Each changed file, with its old and new text.
    pub changed: Vec<(PathBuf, String, String)>,
    /// The manifest, old and new, when it changed.
    pub manifest: Option<(PathBuf, String, String)>,
    /// Locks adopt could not move.
    pub leftovers: Vec<Leftover>,
    /// Files that could not be read or parsed.
    pub errors: Vec<String>,
}

/// The crate's source directories under `root`.
fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        let d = root.join(dir);
        if d.exists() {
            files.extend(crate::lint::rust_files(&d).unwrap_or_default());
        }
    }
    files
}

/// Moves the crate at `manifest` onto lockcheck's locks (nothing is written: see [`write`]).
/// `dependency` is the dependency's table without its features (`version = "0.1"`, or
/// `path = ".."`).
pub fn adopt(manifest: &Path, dependency: &str) -> Adoption {
    let root = manifest.parent().unwrap_or(Path::new("."));
    let mut out = Adoption::default();
    let mut families: Vec<Family> = Vec::new();
    for file in source_files(root) {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let scan = match scan(&text) {
            Ok(s) => s,
            Err(e) => {
                out.errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        out.leftovers
            .extend(scan.leftovers.into_iter().map(|(line, what)| Leftover {
                file: file.clone(),
                line,
                what,
            }));
        if scan.edits.is_empty() {
            continue;
        }
        families.extend(scan.families);
        let new = apply(&text, scan.edits);
        out.changed.push((file, text, new));
    }
    if out.changed.is_empty() {
        return out;
    }
    families.sort();
    families.dedup();
    if let Ok(toml) = std::fs::read_to_string(manifest) {
        let features: Vec<&str> = families.iter().filter_map(|f| f.feature()).collect();
        let new = with_dependency(&toml, dependency, &features);
        let old_edition = edition_2015(&toml);
        if new != toml {
            out.manifest = Some((manifest.to_path_buf(), toml, new));
        }
        if old_edition {
            for (file, _, new) in &mut out.changed {
                if is_crate_root(root, file) && !new.contains("extern crate lockcheck;") {
                    *new = format!("extern crate lockcheck;\n{new}");
                }
            }
        }
    }
    out
}

fn edition_2015(toml: &str) -> bool {
    !toml.lines().any(|l| {
        let l = l.trim();
        l.starts_with("edition") && !l.contains("2015")
    })
}

fn is_crate_root(root: &Path, file: &Path) -> bool {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let parts: Vec<_> = rel.components().collect();
    matches!(rel.to_str(), Some("src/lib.rs") | Some("src/main.rs"))
        || (parts.len() == 2
            && ["tests", "benches", "examples"]
                .iter()
                .any(|d| rel.starts_with(d)))
}

/// The manifest with `lockcheck` added under `[dependencies]` (left alone if it is there).
fn with_dependency(toml: &str, dependency: &str, features: &[&str]) -> String {
    let in_deps = {
        let mut section = String::new();
        toml.lines().any(|l| {
            let t = l.trim();
            if t.starts_with('[') {
                section = t.to_owned();
            }
            section == "[dependencies]"
                && (t.starts_with("lockcheck ") || t.starts_with("lockcheck="))
        })
    };
    if in_deps {
        return toml.to_owned();
    }
    let features = if features.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
        format!(", features = [{}]", list.join(", "))
    };
    let line = format!("lockcheck = {{ {dependency}{features} }}\n");
    match toml.find("[dependencies]\n") {
        Some(i) => {
            let at = i + "[dependencies]\n".len();
            format!("{}{line}{}", &toml[..at], &toml[at..])
        }
        None => {
            let sep = if toml.ends_with('\n') { "" } else { "\n" };
            format!("{toml}{sep}\n[dependencies]\n{line}")
        }
    }
}

impl Adoption {
    /// Writes every change.
    ///
    /// # Errors
    ///
    /// The first file that could not be written.
    pub fn write(&self) -> std::io::Result<()> {
        for (file, _, new) in self.changed.iter().chain(self.manifest.iter()) {
            std::fs::write(file, new)?;
        }
        Ok(())
    }

    /// What changed, file by file: a unified diff when `full`, else one line per file.
    pub fn describe(&self, root: &Path, full: bool) -> String {
        let mut out = String::new();
        for (file, old, new) in self.changed.iter().chain(self.manifest.iter()) {
            let name = file
                .strip_prefix(root)
                .unwrap_or(file)
                .display()
                .to_string();
            if full {
                out.push_str(&diff(&name, old, new));
            } else {
                let n = diff(&name, old, new)
                    .lines()
                    .filter(|l| l.starts_with('@'))
                    .count();
                let _ = writeln!(out, "{name}: {n} change{}", if n == 1 { "" } else { "s" });
            }
        }
        out
    }
}

/// Every lock of the crate still built from std, parking_lot or tokio: what adopt would move
/// and what it cannot. Empty when the crate is fully on lockcheck.
pub fn check(manifest: &Path) -> Vec<Leftover> {
    let root = manifest.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for file in source_files(root) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(scan) = scan(&text) else {
            continue;
        };
        let lines = Lines::new(&text);
        for e in &scan.edits {
            let line = lines.starts.partition_point(|&s| s <= e.start);
            let old = text[e.start..e.end].trim();
            if old.is_empty() {
                continue;
            }
            out.push(Leftover {
                file: file.clone(),
                line,
                what: format!(
                    "`{}` is not lockcheck's: `cargo lockcheck adopt` moves it",
                    shorten(old)
                ),
            });
        }
        out.extend(scan.leftovers.into_iter().map(|(line, what)| Leftover {
            file: file.clone(),
            line,
            what,
        }));
    }
    out
}

fn shorten(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        format!("{}…", one.chars().take(80).collect::<String>())
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adopted(src: &str) -> String {
        apply(src, scan(src).unwrap().edits)
    }

    #[test]
    fn nested_and_multi_line_groups_move_only_their_locks() {
        let src = "use std::{\n    collections::HashMap,\n    sync::{\n        atomic::{AtomicUsize, Ordering},\n        Arc, Mutex, RwLock,\n    },\n    thread,\n};\n";
        let out = adopted(src);
        assert_eq!(
            out,
            "use std::{collections::HashMap, sync::{atomic::{AtomicUsize, Ordering}, Arc}, thread};\nuse lockcheck::sync::{Mutex, RwLock};\n"
        );
    }

    #[test]
    fn paths_renames_modules_and_other_families() {
        let src = "use parking_lot::{Condvar, Mutex as PlMutex, Once};\nuse tokio::sync::{mpsc, RwLock};\nuse std::sync;\n\
                   fn f() -> std::sync::MutexGuard<'static, u8> {\n    static M: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n    \
                   let _c = sync::Condvar::new();\n    let _o = sync::OnceLock::<u8>::new();\n    M.lock().unwrap()\n}\n\
                   fn g() { use std::sync::RwLock as R; let _ = R::new(1); }\n";
        let out = adopted(src);
        assert!(
            out.contains(
                "use parking_lot::Once;\nuse lockcheck::parking_lot::{Condvar, Mutex as PlMutex};"
            ),
            "{out}"
        );
        assert!(
            out.contains("use tokio::sync::mpsc;\nuse lockcheck::tokio::RwLock;"),
            "{out}"
        );
        assert!(
            out.contains("fn f() -> lockcheck::sync::MutexGuard<'static, u8>"),
            "{out}"
        );
        assert!(
            out.contains("static M: lockcheck::sync::Mutex<u8> = lockcheck::sync::Mutex::new(0);"),
            "{out}"
        );
        assert!(
            out.contains("use lockcheck::sync;\n")
                && out.contains("let _c = sync::Condvar::new();"),
            "{out}"
        );
        assert!(
            out.contains("let _o = sync::OnceLock::<u8>::new();"),
            "not a lock: {out}"
        );
        assert!(out.contains("use lockcheck::sync::RwLock as R;"), "{out}");
        // Nothing left to move.
        let again = scan(&out).unwrap();
        assert!(again.edits.is_empty(), "{out}");
    }

    #[test]
    fn code_without_locks_is_left_alone() {
        let src = "use std::sync::{Arc, atomic::AtomicU8};\nuse std::collections::HashMap;\nfn f() -> Arc<u8> { Arc::new(std::sync::atomic::AtomicU8::new(0).into_inner()) }\n";
        assert_eq!(adopted(src), src);
    }

    #[test]
    fn globs_and_macros_are_left_and_said() {
        let src = "use std::sync::*;\nfn f() { let _m = vec![std::sync::Mutex::new(1)]; }\n";
        let s = scan(src).unwrap();
        assert!(s.edits.is_empty());
        assert_eq!(s.leftovers.len(), 2, "{:?}", s.leftovers);
    }

    #[test]
    fn the_dependency_is_added_once_with_the_features_needed() {
        let toml = "[package]\nname = \"x\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n";
        let out = with_dependency(toml, "version = \"0.1\"", &["parking_lot", "tokio"]);
        assert!(out.contains("[dependencies]\nlockcheck = { version = \"0.1\", features = [\"parking_lot\", \"tokio\"] }\nserde"), "{out}");
        assert_eq!(with_dependency(&out, "version = \"0.1\"", &[]), out);
        let bare = "[package]\nname = \"x\"\n";
        assert!(with_dependency(bare, "path = \"../l\"", &[])
            .ends_with("\n[dependencies]\nlockcheck = { path = \"../l\" }\n"));
    }
}
