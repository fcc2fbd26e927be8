//! The line to change, when a lock is taken inside a helper.
//!
//! A report names where each lock was taken: the caller of `lock()`. When that is a crate's
//! small lock helper (`fn state(&self) -> MutexGuard<..> { self.state.lock() }`, a function
//! returning a struct that holds the guard, or one running a closure under the lock), every report
//! names the helper's line, and the line to change (the caller that took the inverted order) is
//! only in a backtrace. So, for the acquisition sites of a report, lockcheck reads the stack and
//! names the function that made the acquisition and that function's caller, with the advice to
//! mark the helper `#[track_caller]`: then `lock()`'s site is the helper's caller, and reports
//! name it directly.
//!
//! Frames are captured only off the fast path: when an order is first learned at an acquisition
//! site not seen before (once per site of the program: [`order_learned`]) and when a violation
//! is raised ([`violation_raised`]). They are resolved to names and lines only when a report
//! asks ([`helper_of`]). With frames missing (no debug info, a stripped binary), no note.

use std::backtrace::Backtrace;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::Location;

use crate::internal::Internal;
use crate::site::Site;

/// A lock taken inside a helper: the helper, and its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Helper {
    /// The function that made the acquisition (`crate::module::function`).
    pub(crate) function: String,
    /// The function that called it.
    pub(crate) caller: String,
    /// Where it called it.
    pub(crate) caller_site: String,
}

/// The stack at an acquisition, not yet resolved, or what resolving it found (`None`: the
/// function that took the lock is not a helper, or its frames could not be read).
enum Frames {
    Captured(Backtrace),
    Resolved(Option<Helper>),
}

/// Acquisition sites whose frames were captured (the `Location`'s address).
static CAPTURED: Internal<BTreeSet<usize>> = Internal::new(BTreeSet::new());
/// The frames of each captured site.
static FRAMES: Internal<BTreeMap<Site, Frames>> = Internal::new(BTreeMap::new());

/// An order was first learned at `site`: its stack is kept if no order was learned there before.
/// Called on the slow path of a new order, with no internal lock held.
pub(crate) fn order_learned(site: &'static Location<'static>) {
    if !CAPTURED
        .lock()
        .insert(site as *const Location<'static> as usize)
    {
        return;
    }
    let frames = Backtrace::force_capture();
    FRAMES
        .lock()
        .entry(Site::from(site))
        .or_insert(Frames::Captured(frames));
}

/// A violation is raised at `site`, with the acquisition's frames on this thread's stack: they
/// are kept (this occurrence's caller is the one to name).
pub(crate) fn violation_raised(site: &Site) {
    if site.line == 0 {
        return;
    }
    // Resolved only if a report is written (`helper_of`): a test may capture thousands.
    let frames = Backtrace::force_capture();
    FRAMES.lock().insert(site.clone(), Frames::Captured(frames));
}

/// The helper that made the acquisition at `site`, and its caller, when the frames say so.
pub(crate) fn helper_of(site: &Site) -> Option<Helper> {
    let captured = {
        let mut frames = FRAMES.lock();
        match frames.get_mut(site)? {
            Frames::Resolved(h) => return h.clone(),
            Frames::Captured(_) => match frames.remove(site) {
                Some(Frames::Captured(bt)) => bt,
                _ => return None,
            },
        }
    };
    // Resolved outside the lock: it allocates, reads debug info, and takes milliseconds.
    let helper = resolve(site, &captured);
    FRAMES
        .lock()
        .insert(site.clone(), Frames::Resolved(helper.clone()));
    helper
}

/// One frame of a printed backtrace: its function and, when known, `file:line:column`.
struct Frame {
    function: String,
    at: Option<(String, u32)>,
    text: Option<String>,
}

/// The frames of a backtrace, from its text (std's only stable reading of them).
fn frames(bt: &Backtrace) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    for line in bt.to_string().lines() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("at ") {
            if let Some(last) = out.last_mut() {
                let mut parts = at.rsplitn(3, ':');
                let (_col, line_no, file) = (parts.next(), parts.next(), parts.next());
                if let (Some(file), Some(Ok(n))) = (file, line_no.map(str::parse::<u32>)) {
                    last.at = Some((file.to_owned(), n));
                    last.text = Some(at.to_owned());
                }
            }
        } else if let Some((index, function)) = line.split_once(": ") {
            if index.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Frame {
                    function: without_hash(function).to_owned(),
                    at: None,
                    text: None,
                });
            }
        }
    }
    out
}

/// `path::to::f::h0123456789abcdef` → `path::to::f`.
fn without_hash(function: &str) -> &str {
    match function.rsplit_once("::h") {
        Some((f, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => f,
        _ => function,
    }
}

/// Whether a frame's file is the standard library's (the test harness, a thread's start).
fn in_std(file: &str) -> bool {
    file.starts_with("/rustc/")
        || [
            "library/std/",
            "library/core/",
            "library/alloc/",
            "library/test/",
        ]
        .iter()
        .any(|l| file.contains(l))
}

/// A frame's file as the compiler named the site (`./src/lib.rs` → `src/lib.rs`), for matching
/// and for reports: relative to the current directory when it is under it.
fn relative(file: &str) -> String {
    let file = file.strip_prefix("./").unwrap_or(file);
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rest) = std::path::Path::new(file).strip_prefix(&cwd) {
            return rest.display().to_string();
        }
    }
    file.to_owned()
}

/// The helper at `site` in `bt`, if the function there was called by another function of the
/// program (not by the standard library or the test harness, and not its own closure).
fn resolve(site: &Site, bt: &Backtrace) -> Option<Helper> {
    let frames = frames(bt);
    let here = frames.iter().position(|f| {
        f.at.as_ref().is_some_and(|(file, line)| {
            *line == site.line && {
                let file = file.strip_prefix("./").unwrap_or(file);
                file.ends_with(site.file.as_ref()) || site.file.ends_with(file)
            }
        })
    })?;
    let function = &frames[here].function;
    let caller = frames[here + 1..].iter().find(|f| f.at.is_some())?;
    let (file, _) = caller.at.as_ref()?;
    let own_closure = caller
        .function
        .starts_with(&format!("{function}::{{{{closure}}}}"));
    if in_std(file) || own_closure || function.ends_with("{{closure}}") {
        return None;
    }
    let frame_file = frames[here].at.as_ref().map(|(f, _)| f.as_str());
    if !is_lock_helper(function, site, frame_file) {
        return None;
    }
    let text = caller.text.as_deref()?;
    let text = text.strip_prefix("./").unwrap_or(text);
    Some(Helper {
        function: function.clone(),
        caller: caller.function.clone(),
        caller_site: relative(text),
    })
}

/// Whether `function`, which made the acquisition at `site`, is a lock helper: the lock stays
/// held in its caller, where the order is decided. Read from the source (the nearest `fn` of
/// that name above the site; no source, no helper): its signature
/// - returns a guard (`-> MutexGuard<..>`, `-> LockResult<RwLockReadGuard<..>>`, any type whose
///   name has `Guard`),
/// - or returns a type of the same file whose definition holds a guard (tracing-core's
///   `fn rebuilder(&self) -> Rebuilder<'_>`, an enum of read and write guards),
/// - or takes a closure that it runs with the lock held (`fn with<R>(&self, f: impl
///   FnOnce(&mut T) -> R) -> R`): the closure is the caller's code.
fn is_lock_helper(function: &str, site: &Site, frame_file: Option<&str>) -> bool {
    let name = function.rsplit("::").next().unwrap_or(function);
    let Some(source) = source_of(site, frame_file) else {
        return false;
    };
    let lines: Vec<&str> = source.lines().collect();
    let at = (site.line as usize).min(lines.len());
    let declares = |l: &str| {
        l.split_once("fn ").is_some_and(|(before, after)| {
            (before.is_empty() || before.ends_with(' '))
                && after.strip_prefix(name).is_some_and(|rest| {
                    rest.starts_with('(') || rest.starts_with('<') || rest.starts_with(' ')
                })
        })
    };
    let Some(start) = lines[..at].iter().rposition(|l| declares(l)) else {
        return false;
    };
    let mut signature = String::new();
    for l in &lines[start..at] {
        signature.push_str(l);
        signature.push(' ');
        if l.contains('{') {
            break;
        }
    }
    let signature = signature.split('{').next().unwrap_or_default();
    // A closure parameter (`impl FnOnce(..)`, or `F` bound so in the generics or a `where`).
    if ["FnOnce(", "FnMut(", "Fn("]
        .iter()
        .any(|f| signature.contains(f))
    {
        return true;
    }
    let returns = signature.split_once("->").map_or("", |(_, r)| r);
    returns.contains("Guard") || type_names(returns).any(|ty| holds_a_guard(&source, ty))
}

/// The capitalised names in a type (`Result<Pending<'a>, Error>` → `Result`, `Pending`, `Error`).
fn type_names(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Whether `source` defines a struct or enum `ty` whose body names a guard type.
fn holds_a_guard(source: &str, ty: &str) -> bool {
    ["struct ", "enum "].iter().any(|kw| {
        source.match_indices(&format!("{kw}{ty}")).any(|(i, m)| {
            let rest = &source[i + m.len()..];
            // The whole name: `struct Pending<'a> {`, not `struct PendingList`.
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return false;
            }
            let body = match rest.find(['{', '(', ';']) {
                Some(open) if rest[open..].starts_with(';') => return false,
                Some(open) => &rest[open..],
                None => return false,
            };
            let mut depth = 0usize;
            for (j, c) in body.char_indices() {
                match c {
                    '{' | '(' => depth += 1,
                    '}' | ')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return body[..j].contains("Guard");
                        }
                    }
                    _ => {}
                }
            }
            false
        })
    })
}

/// The text of the file at `site`: the frame's path, or the site's path from the current
/// directory or one of its parents (a workspace member's tests run in the member's directory,
/// and sites are named from the workspace root).
fn source_of(site: &Site, frame_file: Option<&str>) -> Option<String> {
    let mut candidates: Vec<std::path::PathBuf> = Vec::new();
    if let Some(f) = frame_file {
        candidates.push(f.into());
    }
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(|d| d.join(site.file.as_ref())));
    }
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
}

#[cfg(test)]
mod tests {
    use super::{without_hash, Site};

    #[test]
    fn a_type_holds_a_guard_when_its_own_definition_names_one() {
        let source = "struct PendingList { v: Vec<u8> }\n\
                      struct Pending<'a> { guard: RwLockWriteGuard<'a, X>, n: usize }\n\
                      enum Rebuilder<'a> { JustUs, Read(RwLockReadGuard<'a, X>) }\n\
                      struct Plain(u32);\n\
                      struct Unit;\n";
        assert!(super::holds_a_guard(source, "Pending"));
        assert!(super::holds_a_guard(source, "Rebuilder"));
        assert!(!super::holds_a_guard(source, "PendingList"));
        assert!(!super::holds_a_guard(source, "Plain"));
        assert!(!super::holds_a_guard(source, "Unit"));
        assert!(!super::holds_a_guard(source, "Missing"));
        let names: Vec<&str> = super::type_names(" Result<Pending<'a>, Error>").collect();
        assert_eq!(names, ["Result", "Pending", "Error"]);
    }

    #[test]
    fn hashes_are_dropped_from_function_names() {
        assert_eq!(without_hash("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(without_hash("a::helper"), "a::helper");
    }

    /// The frames at a line of this file, and that line (as an acquisition's site).
    #[inline(always)]
    fn here(line: u32, bt: std::backtrace::Backtrace) -> (Site, std::backtrace::Backtrace) {
        (Site::new(file!(), line, 1), bt)
    }

    /// Stands for a guard: a helper's signature returns one.
    struct FakeGuard(Option<super::Helper>);

    #[inline(never)]
    fn helper() -> FakeGuard {
        // The "acquisition" is this line: the site a `lock()` in a helper would name.
        let (site, bt) = here(line!(), std::backtrace::Backtrace::force_capture());
        FakeGuard(super::resolve(&site, &bt))
    }

    #[inline(never)]
    fn not_a_helper() -> Option<super::Helper> {
        let (site, bt) = here(line!(), std::backtrace::Backtrace::force_capture());
        super::resolve(&site, &bt)
    }

    #[test]
    fn a_helper_names_its_caller_and_a_test_function_does_not() {
        let found = helper().0;
        assert_eq!(not_a_helper(), None, "it returns no guard");
        if cfg!(debug_assertions) {
            let found = found.expect("frames of a debug build");
            assert!(
                found.function.ends_with("callers::tests::helper"),
                "{found:?}"
            );
            assert!(
                found
                    .caller
                    .ends_with("a_helper_names_its_caller_and_a_test_function_does_not"),
                "{found:?}"
            );
            assert!(found.caller_site.contains("callers.rs:"), "{found:?}");
        }
        // The test function itself: its caller is the harness (its own closure), no helper.
        let (site, bt) = here(line!(), std::backtrace::Backtrace::force_capture());
        assert_eq!(super::resolve(&site, &bt), None);
    }
}
