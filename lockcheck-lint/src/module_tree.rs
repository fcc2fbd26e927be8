//! Which files make a crate: rustc's reading, from a root file (`src/lib.rs`, a bin's or an
//! example's `main`) through `mod` declarations, `#[path]` and inline `mod`s, as the reference's
//! "Modules" chapter describes. A file no declaration reaches is no module and is not linted
//! (erased-serde's `features_check/error.rs`, a `compile_error!` file); a module declared under
//! `#[cfg(test)]` or `#[cfg(any(test, ..))]` is test code, as an inline one is
//! (`syntax_utils/cfg.rs`), and neither it nor anything below it is read.
//!
//! Declarations are found in the tokens, not the syntax tree: the scan is cheap, it reads a file
//! syn cannot parse (that file is then its own `LC000`, its modules are still followed), and it
//! sees the `mod` lines inside macro calls (`cfg_rt! { pub mod runtime; }`, `cfg_if!`), which
//! rustc reads after expansion. Every `#[cfg]` other than test code is followed, as the lint
//! reads code under every feature.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::syntax_utils::cfg::is_test_only;

/// One `mod name;` a file declares.
#[derive(Debug, PartialEq, Eq)]
struct Declaration {
    /// The file it names, candidates in rustc's order (`name.rs`, `name/mod.rs`, or the one
    /// `#[path]` gives).
    candidates: Vec<PathBuf>,
    /// Whether a `#[path]` chose the file (its own modules are then beside it, as a `mod.rs`'s).
    by_path: bool,
    /// Whether it is test code (`#[cfg(test)]`, or inside a test-only inline module).
    test: bool,
}

/// The files a crate's module tree reaches from `roots`, each once, in the order found; and
/// the files only test modules reach (not in the first list).
pub(crate) fn crate_files(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    walk(
        roots
            .iter()
            .rev()
            .map(|r| (r.clone(), true, false))
            .collect(),
    )
}

/// The files reached from `stack`'s (file, whether its modules sit beside it, test code).
fn walk(mut stack: Vec<(PathBuf, bool, bool)>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut files = Vec::new();
    let mut tests = Vec::new();
    // Non-test modules first: a file reached both ways is shipped code.
    let mut deferred: Vec<(PathBuf, bool, bool)> = Vec::new();
    while let Some((file, owns_dir, test)) = stack.pop().or_else(|| deferred.pop()) {
        if !seen.insert(crate::collect::lexically_normal(&file)) {
            continue;
        }
        let Ok(text) = crate::lint::read_source(&file) else {
            // Reading it again, in `lint::load`, names the error.
            if !test {
                files.push(file.clone());
            }
            continue;
        };
        // `#![cfg(test)]` at the top of a module's file: test code, as `#[cfg(test)] mod ..;`.
        let (inner_test, decls) = declarations(&file, &text, owns_dir);
        let test = test || inner_test;
        if test {
            tests.push(file.clone());
        } else {
            files.push(file.clone());
        }
        let mut found = Vec::new();
        for d in decls {
            if let Some(child) = d.candidates.iter().find(|c| c.is_file()) {
                found.push((child.clone(), d.by_path || is_mod_rs(child), test || d.test));
            }
        }
        for next in found.into_iter().rev() {
            if next.2 {
                deferred.push(next);
            } else {
                stack.push(next);
            }
        }
    }
    (files, tests)
}

/// Among `files` (a directory's listing, whose roots are unknown), those that a test-only
/// `mod` declaration of another of them reaches, with everything below them: a directory given
/// on the command line is linted whole, except its test modules. A file's modules are looked for
/// both beside it and in a directory named after it, as either may be its place.
pub(crate) fn test_module_files(files: &[PathBuf]) -> HashSet<PathBuf> {
    let mut test_roots = Vec::new();
    for f in files {
        let Ok(text) = crate::lint::read_source(f) else {
            continue;
        };
        for owns_dir in [true, false] {
            for d in declarations(f, &text, owns_dir).1 {
                if let Some(child) = d.candidates.iter().find(|c| c.is_file()) {
                    if d.test {
                        test_roots.push((child.clone(), d.by_path || is_mod_rs(child), false));
                    }
                }
            }
        }
    }
    let (below, _) = walk(test_roots);
    below
        .iter()
        .map(|f| crate::collect::lexically_normal(f))
        .collect()
}

/// `mod.rs`: its modules sit beside it.
fn is_mod_rs(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "mod.rs")
}

/// The `mod name;` declarations of a file. `owns_dir`: the file is a crate root, a `mod.rs` or
/// a `#[path]` file, whose modules sit in its own directory; other files' sit in a directory
/// named after them (`src/a.rs` → `src/a/`).
fn declarations(file: &Path, text: &str, owns_dir: bool) -> (bool, Vec<Declaration>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A `#!` line that is not an inner attribute is no Rust token.
    let text = match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => {
            rest.find('\n').map_or("", |at| &rest[at..])
        }
        _ => text,
    };
    // A large file is lexed a chunk at a time (`collect/chunks.rs`): its tokens at once would
    // take tens of times its text.
    let parts: Vec<&str> = if text.len() > crate::collect::CHUNKED_ABOVE {
        crate::collect::chunk_texts(text)
    } else {
        vec![text]
    };
    let Ok(lexed) = TokenStream::from_str(parts[0]) else {
        return (false, Vec::new());
    };
    let test = inner_test(&lexed);
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let module_dir = if owns_dir {
        dir.clone()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    let scope = Scope {
        file_dir: &dir,
        module_dir,
        inline: false,
        test,
    };
    let mut out = Vec::new();
    scan(lexed, &scope, &mut out);
    for part in &parts[1..] {
        // A chunk that does not lex alone: the cut was wrong; the whole file, then.
        let Ok(tokens) = TokenStream::from_str(part) else {
            out.clear();
            match TokenStream::from_str(text) {
                Ok(tokens) => scan(tokens, &scope, &mut out),
                Err(_) => return (false, Vec::new()),
            }
            break;
        };
        scan(tokens, &scope, &mut out);
    }
    (test, out)
}

/// Whether a file's leading inner attributes (`#![cfg(test)]`) make all of it test code.
fn inner_test(tokens: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().take(64).collect();
    let mut attrs = Vec::new();
    let mut i = 0;
    while let (Some(TokenTree::Punct(h)), Some(TokenTree::Punct(b)), Some(TokenTree::Group(g))) =
        (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
    {
        if h.as_char() != '#' || b.as_char() != '!' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        let attr: TokenStream = tokens[i..i + 3].iter().cloned().collect();
        if let Ok(mut parsed) = syn::parse::Parser::parse2(syn::Attribute::parse_inner, attr) {
            attrs.append(&mut parsed);
        }
        i += 3;
    }
    is_test_only(&attrs)
}

/// Where a `mod` written in some part of a file resolves.
struct Scope<'a> {
    /// The directory of the file: a top-level `#[path]` is relative to it.
    file_dir: &'a Path,
    /// The directory its `mod name;` files are in (inline modules add their names).
    module_dir: PathBuf,
    /// Inside an inline `mod x { .. }`: a `#[path]` is relative to `module_dir` then.
    inline: bool,
    /// Inside a test-only inline module.
    test: bool,
}

fn scan(tokens: TokenStream, scope: &Scope<'_>, out: &mut Vec<Declaration>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut attrs: Vec<syn::Attribute> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // `#[..]` (outer) or `#![..]` (inner, about the enclosing module).
                let inner =
                    matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                let at = i + 1 + usize::from(inner);
                if let Some(TokenTree::Group(g)) = tokens.get(at) {
                    if g.delimiter() == Delimiter::Bracket {
                        if !inner {
                            let attr: TokenStream = tokens[i..=at].iter().cloned().collect();
                            if let Ok(mut parsed) =
                                syn::parse::Parser::parse2(syn::Attribute::parse_outer, attr)
                            {
                                attrs.append(&mut parsed);
                            }
                        }
                        i = at + 1;
                        continue;
                    }
                }
                attrs.clear();
                i += 1;
            }
            TokenTree::Ident(id) if id == "mod" => {
                let name = match tokens.get(i + 1) {
                    Some(TokenTree::Ident(n)) => n.to_string(),
                    _ => {
                        attrs.clear();
                        i += 1;
                        continue;
                    }
                };
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                let test = scope.test || is_test_only(&attrs);
                if off_with_all_features(&attrs) {
                    // `#[cfg(not(feature = "alloc"))] mod error;`: erased-serde's
                    // `compile_error` module for a build with neither `std` nor `alloc`.
                    attrs.clear();
                    i += 2;
                    continue;
                }
                match tokens.get(i + 2) {
                    Some(TokenTree::Punct(p)) if p.as_char() == ';' => {
                        let path = path_attr(&attrs);
                        let candidates = match &path {
                            Some(p) if scope.inline => vec![scope.module_dir.join(p)],
                            Some(p) => vec![scope.file_dir.join(p)],
                            None => vec![
                                scope.module_dir.join(format!("{name}.rs")),
                                scope.module_dir.join(&name).join("mod.rs"),
                            ],
                        };
                        out.push(Declaration {
                            candidates,
                            by_path: path.is_some(),
                            test,
                        });
                        i += 3;
                    }
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                        // `#[path]` on an inline module names its directory.
                        let sub = path_attr(&attrs).unwrap_or(name);
                        scan(
                            g.stream(),
                            &Scope {
                                file_dir: scope.file_dir,
                                module_dir: scope.module_dir.join(sub),
                                inline: true,
                                test,
                            },
                            out,
                        );
                        i += 3;
                    }
                    _ => i += 2,
                }
                attrs.clear();
            }
            // Visibility between the attributes and `mod`: `pub`, `pub(crate)`, `pub(in a)`.
            TokenTree::Ident(id) if id == "pub" => i += 1,
            TokenTree::Group(g)
                if g.delimiter() == Delimiter::Parenthesis
                    && matches!(&tokens[i.saturating_sub(1)], TokenTree::Ident(p) if p == "pub") =>
            {
                i += 1;
            }
            TokenTree::Group(g) => {
                // A block, a macro call's body (`cfg_if! { .. mod unix; .. }`): same module,
                // under the item's attributes (`#[cfg(test)] some_macro! { mod x; }`).
                if !off_with_all_features(&attrs) {
                    let test = scope.test || is_test_only(&attrs);
                    scan(
                        g.stream(),
                        &Scope {
                            file_dir: scope.file_dir,
                            module_dir: scope.module_dir.clone(),
                            inline: scope.inline,
                            test,
                        },
                        out,
                    );
                }
                // An item ends with its body; `fn f(..)`'s parameters are not its end.
                if g.delimiter() == Delimiter::Brace {
                    attrs.clear();
                }
                i += 1;
            }
            // An item's attributes hold to its end: `;` or its body.
            TokenTree::Punct(p) if p.as_char() == ';' => {
                attrs.clear();
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Whether a `#[cfg]` among `attrs` is false with every feature on, whatever the target: the
/// lint reads the code of every feature (as `--all-features` builds it), so a module only a
/// build without some feature has (`cfg(not(feature = "alloc"))`) is not read. Anything else
/// than `feature = ".."` (a target, `unix`, `test`) may be either, and keeps the module.
fn off_with_all_features(attrs: &[syn::Attribute]) -> bool {
    /// `Some(value)` when the predicate's value is known with every feature on.
    fn value(meta: &syn::Meta) -> Option<bool> {
        let terms = |l: &syn::MetaList| {
            l.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .ok()
        };
        match meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("feature") => Some(true),
            syn::Meta::List(l) if l.path.is_ident("not") => {
                let t = terms(l)?;
                (t.len() == 1).then(|| value(&t[0]).map(|v| !v))?
            }
            syn::Meta::List(l) if l.path.is_ident("any") => {
                let vs: Vec<Option<bool>> = terms(l)?.iter().map(value).collect();
                if vs.contains(&Some(true)) {
                    Some(true)
                } else if vs.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            syn::Meta::List(l) if l.path.is_ident("all") => {
                let vs: Vec<Option<bool>> = terms(l)?.iter().map(value).collect();
                if vs.contains(&Some(false)) {
                    Some(false)
                } else if vs.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| value(&m) == Some(false))
    })
}

/// The string of a `#[path = ".."]` among `attrs`.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(file: &str, text: &str, owns_dir: bool) -> Vec<(Vec<String>, bool)> {
        declarations(Path::new(file), text, owns_dir)
            .1
            .into_iter()
            .map(|d| {
                (
                    d.candidates
                        .iter()
                        .map(|c| c.display().to_string())
                        .collect(),
                    d.test,
                )
            })
            .collect()
    }

    #[test]
    fn declarations_resolve_as_rustc_resolves_them() {
        let text = "#[cfg(test)] mod tests;\n\
                    #[cfg(any(test, feature = \"x\"))] pub(crate) mod helpers;\n\
                    #[cfg(not(test))] pub mod real;\n\
                    #[path = \"other/place.rs\"] mod moved;\n\
                    mod inline { mod deep; #[path = \"p.rs\"] mod q; }\n\
                    cfg_rt! { pub mod runtime; }\n\
                    mod r#try;\n";
        let got = decls("src/lib.rs", text, true);
        let pair = |a: &str, b: &str, t| (vec![a.to_owned(), b.to_owned()], t);
        assert_eq!(
            got,
            vec![
                pair("src/tests.rs", "src/tests/mod.rs", true),
                pair("src/helpers.rs", "src/helpers/mod.rs", true),
                pair("src/real.rs", "src/real/mod.rs", false),
                (vec!["src/other/place.rs".to_owned()], false),
                pair("src/inline/deep.rs", "src/inline/deep/mod.rs", false),
                (vec!["src/inline/p.rs".to_owned()], false),
                pair("src/runtime.rs", "src/runtime/mod.rs", false),
                pair("src/try.rs", "src/try/mod.rs", false),
            ]
        );
        // A file that is not a `mod.rs`: its modules are in a directory named after it.
        assert_eq!(
            decls("src/a.rs", "mod b;", false),
            vec![pair("src/a/b.rs", "src/a/b/mod.rs", false)]
        );
        // With every feature on, a module only a build without one has is not read; one under
        // a target's cfg may be compiled, and is.
        assert_eq!(
            decls(
                "src/lib.rs",
                "#[cfg(not(feature = \"alloc\"))] mod error;\n\
                 #[cfg(all(unix, not(feature = \"std\")))] mod no_std;\n\
                 #[cfg(any(windows, not(feature = \"std\")))] mod win;",
                true
            ),
            vec![pair("src/win.rs", "src/win/mod.rs", false)]
        );
        // A file that says `#![cfg(test)]` is test code, and so are its modules.
        assert_eq!(
            decls("src/t.rs", "//! Tests.\n#![cfg(test)]\nmod u;", false),
            vec![pair("src/t/u.rs", "src/t/u/mod.rs", true)]
        );
        // A test-only inline module's declarations are test code too.
        assert_eq!(
            decls("src/lib.rs", "#[cfg(test)] mod t { mod u; }", true),
            vec![pair("src/t/u.rs", "src/t/u/mod.rs", true)]
        );
    }
}
