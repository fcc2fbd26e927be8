//! Reading a crate's source into the [model](crate::model), in passes over the parsed files:
//!
//! 1. the crate's type names, module by module (`type_keys.rs`);
//! 2. the declarations bodies need before they are walked (`declarations.rs`): lock accessors,
//!    the declared types of fields and statics, each file's async imports;
//! 3. the functions (`collector.rs`): their contracts (parsed with the grammar the macros use)
//!    and the events of their bodies (walked by `guards/`), the classes of locks built with
//!    `named("..")`, where locks are built, and the declared rank tables;
//! 4. every lock path in its canonical form (`canonical.rs`).
//!
//! Test-only code (`#[cfg(test)]`) is skipped; a file another pastes in with `include!` is
//! not read on its own.

mod canonical;
mod chunks;
mod collector;
mod declarations;
pub(crate) mod depth;

pub(crate) use chunks::CHUNKED_ABOVE;

/// The chunks a large file is read in (`chunks.rs`), as text.
pub(crate) fn chunk_texts(text: &str) -> Vec<&str> {
    chunks::chunks(text, chunks::CHUNK_BYTES)
        .into_iter()
        .map(|c| &text[c.start..c.end])
        .collect()
}

use syn::visit::Visit;

use crate::lock_kind::{Declared, DeclaredType, LockKind};
use crate::model::{Crate, LockPath, ParseError, SourceFile, Span};
use crate::type_keys::TypeKeys;
use crate::Edition;

use collector::Collector;
use declarations::Declarations;

impl Crate {
    /// Reads and models `files` (their text already loaded). A file that does not parse, or
    /// nests deeper than the lint's parser can take, is recorded in [`Crate::parse_errors`]; the
    /// others are modelled, with the temporary-scope rules of `edition`.
    ///
    /// Deep files are refused by a bound the default 8 MiB main-thread stack cannot always hold
    /// in a debug build: call this on a thread with [`STACK_BYTES`](crate::STACK_BYTES) of
    /// stack, as `cargo lockcheck` does.
    pub fn build(files: Vec<SourceFile>, edition: Edition) -> Crate {
        Crate::build_keeping(files, edition, TREE_CACHE_BYTES, chunks::CHUNKED_ABOVE)
    }

    /// [`Crate::build`], keeping the syntax trees of the first `keep` bytes of text between
    /// passes, and reading files larger than `chunk_above` bytes in chunks (`chunks.rs`).
    pub(crate) fn build_keeping(
        files: Vec<SourceFile>,
        edition: Edition,
        keep: usize,
        chunk_above: usize,
    ) -> Crate {
        let chunk_bytes = chunks::CHUNK_BYTES.min(chunk_above.max(1));
        let mut krate = Crate {
            files,
            edition,
            ..Crate::default()
        };
        // The files that parse, each with its module. A syntax tree takes about 25 times its
        // text: the trees of the first `TREE_CACHE_BYTES` of text are kept for the passes
        // below, and any other file is parsed again in each pass and its tree dropped before
        // the next file's, so the peak stays bounded on a large crate (BENCHMARKS.md) and a
        // small one is parsed once. The first parse also names the files that do not parse.
        let modules: Vec<String> = krate
            .files
            .iter()
            .map(|f| TypeKeys::module_of_file(&f.path))
            .collect();
        let mut parsed_files = Vec::new();
        let mut trees: Vec<Option<syn::File>> = Vec::new();
        // Per parsed file: its chunks (`chunks.rs`) when it is read a few items at a time.
        let mut parts: Vec<Option<Vec<chunks::Chunk>>> = Vec::new();
        let mut cached_bytes = 0;
        let mut keys = TypeKeys::default();
        let included = included_files(&krate.files);
        for (index, module) in modules.iter().enumerate() {
            if included.contains(&lexically_normal(&krate.files[index].path)) {
                // `include!("pcis.rs")`: an expression or items pasted into another file, not a
                // module of its own (and often not a whole file's syntax).
                continue;
            }
            let text = krate.files[index].text.as_str();
            if text.len() > chunk_above {
                let add = |ast: &syn::File| keys.add(module.clone(), ast);
                let read = ChunkRead {
                    index,
                    edition,
                    chunk_bytes,
                };
                if let Some(ranges) = read.chunked(text, &mut krate.parse_errors, add) {
                    parsed_files.push(index);
                    trees.push(None);
                    parts.push(Some(ranges));
                    continue;
                }
            }
            match parse_whole(text, index, edition) {
                Ok(ast) => {
                    // The type names, module by module: two modules' `Inner` are two types.
                    keys.add(module.clone(), &ast);
                    parsed_files.push(index);
                    cached_bytes += text.len();
                    trees.push((cached_bytes <= keep).then_some(ast));
                    parts.push(None);
                }
                Err(e) => krate.parse_errors.push(e),
            }
        }
        let keys = std::rc::Rc::new(keys);
        let reparse = |files: &[SourceFile], index: usize| parse(&files[index].text).ok();
        // Then the accessors (`fn deposits(&self) -> &RwLock<..> { &self.inner.cache }`), from
        // every file: a body anywhere may lock through one. With them, the declared types of
        // fields and statics and the files' async imports.
        let mut accessors = Declarations {
            file: 0,
            place: Place::new(&keys),
            self_ty: Vec::new(),
            found: crate::accessors::AccessorMap::default(),
            guard_returners: crate::accessors::GuardReturners::default(),
            declared: Declared::default(),
        };
        for (at, &index) in parsed_files.iter().enumerate() {
            accessors.file = index;
            accessors.place.module = vec![modules[index].clone()];
            if let Some(chunks) = &parts[at] {
                for_each_chunk(&krate.files[index].text, chunks, |ast, _| {
                    accessors.visit_file(ast);
                });
                continue;
            }
            let reparsed;
            let ast = match &trees[at] {
                Some(t) => t,
                None => match reparse(&krate.files, index) {
                    Some(t) => {
                        reparsed = t;
                        &reparsed
                    }
                    None => continue,
                },
            };
            accessors.visit_file(ast);
        }
        let shared_fields = std::mem::take(&mut accessors.declared.shared_fields);
        krate.shared_fields = shared_fields;
        krate.structs = accessors.declared.structs.clone();
        krate.field_types = accessors
            .declared
            .fields
            .iter()
            .map(|(k, t)| (k.clone(), t.key.clone()))
            .collect();
        let guard_returners = std::rc::Rc::new(std::mem::take(&mut accessors.guard_returners));
        let declared = std::rc::Rc::new(std::mem::take(&mut accessors.declared));
        for ((ty, field), t) in &declared.fields {
            if matches!(
                declared.kind(t),
                Some(LockKind::Lock {
                    reentrant: true,
                    ..
                })
            ) {
                krate.reentrant.insert(LockPath::SelfField {
                    ty: ty.clone(),
                    fields: field.clone(),
                });
            }
        }
        for (name, t) in &declared.statics {
            if matches!(
                declared.kind(t),
                Some(LockKind::Lock {
                    reentrant: true,
                    ..
                })
            ) {
                krate.reentrant.insert(LockPath::Static(name.clone()));
            }
        }
        let accessors = std::rc::Rc::new(accessors.found);
        for (at, &index) in parsed_files.iter().enumerate() {
            // The last pass: a kept tree is dropped once walked. The text is lent to the pass
            // (the collector borrows the crate whole) and given back after it.
            let text = std::mem::take(&mut krate.files[index].text);
            let mut found = Vec::new();
            let mut uses_lockcheck = false;
            let mut aliases = crate::adopt::ModuleAliases::default();
            let mut collector = Collector {
                krate: &mut krate,
                file: index,
                place: Place::new(&keys),
                keys: std::rc::Rc::clone(&keys),
                self_ty: Vec::new(),
                trait_impl: Vec::new(),
                accessors: std::rc::Rc::clone(&accessors),
                guard_returners: std::rc::Rc::clone(&guard_returners),
                declared: std::rc::Rc::clone(&declared),
            };
            collector.place.module = vec![modules[index].clone()];
            let mut visit = |ast: &syn::File, text: &str| {
                collector.visit_file(ast);
                let (unchecked, uses) =
                    crate::adopt::unchecked_locks(ast, text, index, &mut aliases);
                uses_lockcheck |= uses;
                found.extend(unchecked);
            };
            match &parts[at] {
                Some(chunks) => for_each_chunk(&text, chunks, visit),
                None => {
                    if let Some(ast) = trees[at].take().or_else(|| parse(&text).ok()) {
                        visit(&ast, &text);
                    }
                }
            }
            drop(collector);
            krate.files[index].text = text;
            krate.uses_lockcheck |= uses_lockcheck;
            krate.unchecked_locks.extend(found);
        }
        // Only fields whose type is one of the crate's structs lead anywhere.
        let structs = std::mem::take(&mut krate.structs);
        krate.field_types.retain(|_, t| structs.contains(t));
        krate.structs = structs;
        let mut functions = std::mem::take(&mut krate.functions);
        for f in &mut functions {
            f.canonicalise(&krate);
        }
        krate.functions = functions;
        krate
    }
}

/// Why a text did not parse: it nests too deep (where), or it is not Rust syntax.
enum Unparsed {
    TooDeep(proc_macro2::Span),
    Syntax(syn::Error),
}

/// A text's syntax tree (a whole file, or a chunk of one).
fn parse(text: &str) -> Result<syn::File, Unparsed> {
    // Lexed once: the depth is measured on the tokens syn then parses (a file that starts
    // with a byte-order mark or `#!` is lexed again by `parse_file`, which knows both).
    let parsed = match depth::lex(text).map_err(Unparsed::TooDeep)? {
        Some(tokens) if !text.starts_with('\u{feff}') && !shebang(text) => syn::parse2(tokens),
        _ => syn::parse_file(text),
    };
    parsed.map_err(Unparsed::Syntax)
}

/// A whole file's syntax tree, or the error that names it (too deep, or not Rust).
fn parse_whole(text: &str, index: usize, edition: Edition) -> Result<syn::File, ParseError> {
    parse(text).map_err(|why| match why {
        Unparsed::TooDeep(span) => ParseError {
            span: Span::of(index, span),
            message: format!(
                "nested more than {} levels deep (brackets and chained operators), \
                 more than the lint's parser can take",
                depth::MAX_DEPTH
            ),
            rest_read: false,
        },
        Unparsed::Syntax(e) => ParseError {
            span: Span::of(index, e.span()),
            // syn reads the syntax of editions 2018 and later: say so when the crate is older,
            // the likeliest cause (`async` or `dyn` as a name, `try!`).
            message: if edition == Edition::E2015 {
                format!("{e} (the crate is Rust 2015, whose syntax the lint does not read)")
            } else {
                e.to_string()
            },
            rest_read: false,
        },
    })
}

/// How a large file is read in chunks.
struct ChunkRead {
    index: usize,
    edition: Edition,
    chunk_bytes: usize,
}

impl ChunkRead {
    /// The file cut into chunks that each parse alone, each given to `first` (with its line
    /// offset in force) and dropped. When a chunk does not parse alone, a file small enough to
    /// be parsed at once is read whole (`None`), which names its error (or, where the cut was
    /// wrong, reads it); a larger one has that chunk named as an error in `errors`, as has a
    /// chunk (one item) larger than [`chunks::MAX_PARSED_BYTES`], and its other chunks are
    /// read.
    fn chunked(
        &self,
        text: &str,
        errors: &mut Vec<ParseError>,
        mut first: impl FnMut(&syn::File),
    ) -> Option<Vec<chunks::Chunk>> {
        let whole_fallback = text.len() <= chunks::MAX_PARSED_BYTES;
        let mut kept = Vec::new();
        let mut found = Vec::new();
        for c in chunks::chunks(text, self.chunk_bytes) {
            let part = &text[c.start..c.end];
            if part.len() > chunks::MAX_PARSED_BYTES {
                found.push(ParseError {
                    span: Span {
                        file: self.index,
                        line: c.line_offset + 1,
                        column: 1,
                        end_line: c.line_offset + 1,
                        end_column: 1,
                    },
                    message: format!(
                        "an item of {} MiB, more than the lint parses at once ({} MiB; \
                         generated data?): not read, the rest of the file is",
                        part.len() >> 20,
                        chunks::MAX_PARSED_BYTES >> 20
                    ),
                    rest_read: true,
                });
                continue;
            }
            let read = crate::model::with_line_offset(c.line_offset, || {
                parse_whole(part, self.index, self.edition).map(|ast| first(&ast))
            });
            match read {
                Ok(()) => kept.push(c),
                Err(_) if whole_fallback => return None,
                Err(e) => found.push(ParseError {
                    rest_read: true,
                    ..e
                }),
            }
        }
        errors.extend(found);
        Some(kept)
    }
}

/// Each chunk of `text` parsed again and given to `f` with its text, its line offset in force
/// (the chunks parsed before: a chunk that does not now is skipped).
fn for_each_chunk(text: &str, cut: &[chunks::Chunk], mut f: impl FnMut(&syn::File, &str)) {
    for c in cut {
        let part = &text[c.start..c.end];
        if let Ok(ast) = parse(part) {
            crate::model::with_line_offset(c.line_offset, || f(&ast, part));
        }
    }
}

/// How much source text (bytes) the lint keeps the syntax trees of between its passes; the
/// trees of any further text are parsed again in each pass (`Crate::build`). About 25 bytes of
/// tree a byte of text: some 50 MB at most.
const TREE_CACHE_BYTES: usize = 2 << 20;

/// The files that another file of the crate pastes in with `include!("file.rs")` (a literal
/// path, relative to the including file's directory).
fn included_files(files: &[SourceFile]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for f in files {
        let mut rest = f.text.as_str();
        while let Some(at) = rest.find("include!(") {
            rest = &rest[at + "include!(".len()..];
            let Some(lit) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some(end) = lit.find('"') else { break };
            if let Some(dir) = f.path.parent() {
                out.push(lexically_normal(&dir.join(&lit[..end])));
            }
        }
    }
    out
}

/// Whether `text` starts with a `#!` line that is not an inner attribute (`#![..]`), as
/// `syn::parse_file` tells them.
fn shebang(text: &str) -> bool {
    text.strip_prefix("#!")
        .is_some_and(|rest| !rest.trim_start().starts_with('['))
}

/// `src/a/../b.rs` → `src/b.rs`, without touching the file system.
pub(crate) fn lexically_normal(p: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Where a visitor is in the crate: its module, and the crate's type names, to name a type
/// written there (`type_keys.rs`).
struct Place<'k> {
    keys: &'k TypeKeys,
    /// The file's module, then the inline `mod`s entered.
    module: Vec<String>,
}

impl<'k> Place<'k> {
    fn new(keys: &'k TypeKeys) -> Self {
        Place {
            keys,
            module: Vec::new(),
        }
    }

    fn here(&self) -> String {
        crate::type_keys::module_path(&self.module)
    }

    /// The key of the type a path written here names.
    fn key(&self, segments: &[String]) -> String {
        self.keys.key(&self.here(), segments)
    }

    /// The key of a type written here (`crate::sched::Sched<T>`, `&Sched`), if it is a path.
    fn type_key(&self, ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Path(p) => {
                let segments = crate::syntax_utils::exprs::segments(&p.path);
                (!segments.is_empty()).then(|| self.key(&segments))
            }
            syn::Type::Reference(r) => self.type_key(&r.elem),
            _ => None,
        }
    }

    fn declared(&self, ty: &syn::Type, file: usize) -> Option<DeclaredType> {
        DeclaredType::of(ty, file, |s| self.key(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_parsed_again_in_each_pass_is_modelled_as_one_kept_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let files: Vec<SourceFile> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|path| SourceFile {
                text: std::fs::read_to_string(&path).unwrap(),
                path,
            })
            .collect();
        let model = |keep| {
            let k = Crate::build_keeping(files.clone(), Edition::E2021, keep, usize::MAX);
            format!("{:?}", k.functions)
        };
        let kept = model(usize::MAX);
        assert!(kept.contains("Acquire"), "the fixtures acquire locks");
        // None kept, and some: the second and third passes parse the others again.
        assert_eq!(model(0), kept);
        assert_eq!(model(4096), kept);
    }

    /// Every golden fixture read in chunks cut at every item's end gives the model and the
    /// findings it gives read whole (spans included: the line offsets are right).
    #[test]
    fn a_file_read_in_chunks_is_modelled_as_read_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        paths.sort();
        let mut chunked_files = 0;
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let files = vec![SourceFile {
                text: text.clone(),
                path: path.clone(),
            }];
            let read = |chunk_above| {
                let k = Crate::build_keeping(files.clone(), Edition::E2021, 0, chunk_above);
                let findings = crate::rules::check(&k);
                (format!("{:?}", k.functions), findings, k.parse_errors.len())
            };
            let whole = read(usize::MAX);
            let chunked = read(0);
            assert_eq!(chunked.0, whole.0, "{}: the model", path.display());
            assert_eq!(chunked.1, whole.1, "{}: the findings", path.display());
            assert_eq!(chunked.2, whole.2, "{}", path.display());
            if chunks::chunks(&text, 1).len() > 1 {
                chunked_files += 1;
            }
        }
        assert!(chunked_files > 30, "{chunked_files} fixtures were cut");
    }
}
