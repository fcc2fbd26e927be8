//! How the lint names a type: by its name, and, when two modules of the crate define types of
//! that name, by its module path too (`store::Inner` and `cache::Inner`), so that their methods
//! and their locks are not taken for one another's. Types are found by a first pass over the
//! crate's items (not bodies); a name is resolved the way a reader would: a qualified path
//! (`crate::a::Inner`, `super::Inner`, `self::a::Inner`), a `use` of one, or the module's own
//! definition.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit::Visit;

/// The crate's type names and where they are defined.
#[derive(Default, Debug)]
pub(crate) struct TypeKeys {
    /// Type name → the modules that define a struct, enum, union or trait of that name.
    defined: BTreeMap<String, BTreeSet<String>>,
    /// (module, name as used there) → the module a `use` brings it from (crate paths only).
    imports: BTreeMap<(String, String), String>,
}

impl TypeKeys {
    /// Reads the item structure of the crate's files (`(module of the file, its syntax)`).
    #[cfg(test)]
    pub(crate) fn collect<'a>(files: impl IntoIterator<Item = (String, &'a syn::File)>) -> Self {
        let mut keys = TypeKeys::default();
        for (module, file) in files {
            keys.add(module, file);
        }
        keys
    }

    /// Adds one file's type names (the file is the module `module`).
    pub(crate) fn add(&mut self, module: String, file: &syn::File) {
        let mut v = Items {
            keys: self,
            module: vec![module],
        };
        v.visit_file(file);
    }

    /// The module path of a file, from where it sits under `src/` (`src/a/b.rs`, `src/a/b/mod.rs`
    /// → `a::b`; `src/lib.rs` → the root, ``); a file elsewhere (an example, a test, a file
    /// given alone) is the root of a crate of its own.
    pub(crate) fn module_of_file(path: &Path) -> String {
        let parts: Vec<String> = path
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match parts.iter().rposition(|p| p == "src") {
            Some(at) => {
                let mut rest: Vec<&str> = parts[at + 1..].iter().map(String::as_str).collect();
                if matches!(rest.as_slice(), ["lib"] | ["main"]) {
                    rest.clear();
                }
                if rest.last() == Some(&"mod") {
                    rest.pop();
                }
                // `src/bin/tool.rs`: a binary crate of its own.
                if rest.first() == Some(&"bin") {
                    rest.remove(0);
                    return format!("bin::{}", rest.join("::"));
                }
                rest.join("::")
            }
            None => String::new(),
        }
    }

    fn ambiguous(&self, name: &str) -> bool {
        self.defined.get(name).is_some_and(|m| m.len() > 1)
    }

    /// The key of the type named by `segments` (a path as written) in `module`.
    pub(crate) fn key(&self, module: &str, segments: &[String]) -> String {
        let Some((name, prefix)) = segments.split_last() else {
            return String::new();
        };
        if !self.ambiguous(name) {
            return name.clone();
        }
        let home = if prefix.is_empty() {
            let defined_here = self.defined.get(name).is_some_and(|m| m.contains(module));
            if defined_here {
                module.to_owned()
            } else {
                self.imports
                    .get(&(module.to_owned(), name.clone()))
                    .cloned()
                    .unwrap_or_else(|| module.to_owned())
            }
        } else {
            resolve_module(module, prefix)
        };
        qualified(&home, name)
    }
}

fn qualified(module: &str, name: &str) -> String {
    if module.is_empty() {
        format!("crate::{name}")
    } else {
        format!("{module}::{name}")
    }
}

/// The module a path prefix names from `module`: `crate::a` → `a`, `super` → the parent,
/// `self::b` and a bare `b` → `module::b`.
fn resolve_module(module: &str, prefix: &[String]) -> String {
    let mut at: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    for (i, seg) in prefix.iter().enumerate() {
        match seg.as_str() {
            "crate" if i == 0 => at.clear(),
            "self" => {}
            "super" => {
                at.pop();
            }
            other => at.push(other.to_owned()),
        }
    }
    at.join("::")
}

/// The item walk: definitions and `use`s, module by module; bodies are not entered.
struct Items<'k> {
    keys: &'k mut TypeKeys,
    module: Vec<String>,
}

/// The path of a stack of modules (the file's, then inline `mod`s; the root is ``).
pub(crate) fn module_path(stack: &[String]) -> String {
    stack
        .iter()
        .filter(|m| !m.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("::")
}

impl Items<'_> {
    fn here(&self) -> String {
        module_path(&self.module)
    }

    fn define(&mut self, name: &syn::Ident) {
        let here = self.here();
        self.keys
            .defined
            .entry(name.to_string())
            .or_default()
            .insert(here);
    }

    fn import(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.import(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.record(prefix, &n.ident, &n.ident),
            syn::UseTree::Rename(r) => self.record(prefix, &r.ident, &r.rename),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.import(prefix, t);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }

    fn record(&mut self, prefix: &[String], _name: &syn::Ident, alias: &syn::Ident) {
        // Only paths inside the crate: `crate::`, `self::`, `super::`.
        if !prefix
            .first()
            .is_some_and(|p| matches!(p.as_str(), "crate" | "self" | "super"))
        {
            return;
        }
        let here = self.here();
        let from = resolve_module(&here, prefix);
        self.keys.imports.insert((here, alias.to_string()), from);
    }
}

impl<'ast> Visit<'ast> for Items<'_> {
    fn visit_block(&mut self, _: &'ast syn::Block) {}

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.define(&s.ident);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        self.define(&e.ident);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        self.define(&u.ident);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.define(&t.ident);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.import(&mut Vec::new(), &u.tree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn files_and_paths() {
        assert_eq!(TypeKeys::module_of_file(Path::new("src/lib.rs")), "");
        assert_eq!(TypeKeys::module_of_file(Path::new("x/src/a/b.rs")), "a::b");
        assert_eq!(TypeKeys::module_of_file(Path::new("src/a/mod.rs")), "a");
        assert_eq!(TypeKeys::module_of_file(Path::new("examples/demo.rs")), "");
        assert_eq!(resolve_module("a::b", &segs("super::c")), "a::c");
        assert_eq!(resolve_module("a::b", &segs("crate::d")), "d");
    }

    #[test]
    fn same_names_in_two_modules_get_module_keys() {
        let store: syn::File = syn::parse_str("pub struct Inner; pub struct Only;").unwrap();
        let cache: syn::File =
            syn::parse_str("pub struct Inner; mod deep { use crate::store::Inner; }").unwrap();
        let keys = TypeKeys::collect([("store".to_owned(), &store), ("cache".to_owned(), &cache)]);
        assert_eq!(keys.key("store", &segs("Inner")), "store::Inner");
        assert_eq!(keys.key("cache", &segs("Inner")), "cache::Inner");
        assert_eq!(keys.key("cache::deep", &segs("Inner")), "store::Inner");
        assert_eq!(
            keys.key("cache", &segs("crate::store::Inner")),
            "store::Inner"
        );
        assert_eq!(keys.key("cache", &segs("Only")), "Only");
    }
}
