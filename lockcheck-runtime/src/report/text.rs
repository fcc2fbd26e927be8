//! The text of one violation report.
//!
//! Modelled on Linux lockdep's "possible circular locking dependency detected" (every lock in the
//! cycle with the place each order was first seen, and a scenario showing how the threads
//! deadlock) and Go's "lock ordering problem" / "caller requires lock", made shorter: lock names,
//! not addresses; one place per line.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use lockcheck_ranks::DeclaredOrder;

use crate::mode::Mode;
use crate::shown::shown;
use crate::site::Site;
use crate::violation::{BrokenGate, LockUse, OrderEdge, Violation, ViolationKind, WaitStep};

/// Past this many edges, a cycle's middle is elided in text (the full chain stays in the value).
const MAX_CYCLE_LINES: usize = 10;
/// Up to this many threads, a cycle gets a scenario table.
const MAX_SCENARIO_THREADS: usize = 4;

fn what(u: &LockUse) -> String {
    match u.mode {
        Mode::Exclusive => format!("`{}`", u.class),
        Mode::Shared => format!("`{}` (read)", u.class),
    }
}

fn held_list(f: &mut fmt::Formatter<'_>, held: &[LockUse], skip: &[&Site]) -> fmt::Result {
    let rest: Vec<&LockUse> = held.iter().filter(|h| !skip.contains(&&h.site)).collect();
    if rest.is_empty() {
        return Ok(());
    }
    writeln!(f)?;
    writeln!(
        f,
        "  this thread {}holds:",
        if skip.is_empty() { "" } else { "also " }
    )?;
    for h in rest {
        writeln!(f, "    {:<24} taken at {}", what(h), h.site)?;
    }
    Ok(())
}

fn acquiring_lines(
    f: &mut fmt::Formatter<'_>,
    v: &Violation,
    held: Option<&LockUse>,
) -> fmt::Result {
    let verb = match v.acquiring.mode {
        Mode::Exclusive => "acquiring",
        Mode::Shared => "acquiring for reading",
    };
    let head = format!("  thread `{}` is {verb} `{}`", v.thread, v.acquiring.class);
    let width = head.chars().count().max(40);
    writeln!(f, "{head:<width$}   at {}", v.acquiring.site)?;
    helper_line(f, &v.acquiring.site, "")?;
    if let Some(h) = held {
        let line = format!("  while holding {}", what(h));
        writeln!(f, "{line:<width$}   taken at {}", h.site)?;
    }
    Ok(())
}

/// Who took an order: its thread, and its task when a task did.
fn taker(e: &OrderEdge) -> String {
    match e.task {
        Some(task) => format!("thread `{}`, task {task}", e.thread),
        None => format!("thread `{}`", e.thread),
    }
}

fn edge_lines(f: &mut fmt::Formatter<'_>, e: &OrderEdge) -> fmt::Result {
    let arrow = format!("`{}` -> `{}`", e.from, e.to);
    writeln!(f, "    {arrow:<28} first seen at {} ({})", e.site, taker(e))?;
    helper_line(f, &e.site, "  ")?;
    writeln!(
        f,
        "    {:<28} while `{}` was taken at {}",
        "", e.from, e.from_site
    )
}

/// When the lock at `site` was taken inside a helper function, the helper and its caller: the
/// line to change is usually the caller's (`callers.rs`).
fn helper_line(f: &mut fmt::Formatter<'_>, site: &Site, indent: &str) -> fmt::Result {
    let Some(h) = crate::callers::helper_of(site) else {
        return Ok(());
    };
    let short = h.function.rsplit("::").next().unwrap_or(&h.function);
    writeln!(
        f,
        "  {indent}  (taken inside `{}`, called from `{}` at {}: the line to change may be the \
         caller's; `#[track_caller]` on `{}` makes reports name its callers)",
        shown(&h.function),
        shown(&h.caller),
        shown(&h.caller_site),
        shown(short)
    )
}

/// Past this many characters, a class name is shortened in the scenario table.
const MAX_TABLE_NAME: usize = 32;

/// A class name short enough for a table column: a long type's generic arguments elided and its
/// site's file without directories (`Mutex<…> at sched.rs:12:5` for
/// `Mutex<HashMap<String, Vec<Task>>> at src/sched.rs:12:5`). A given name is kept whole.
fn table_name(name: &str) -> Cow<'_, str> {
    if name.chars().count() <= MAX_TABLE_NAME {
        return Cow::Borrowed(name);
    }
    let Some((ty, site)) = name.rsplit_once(" at ") else {
        return Cow::Borrowed(name);
    };
    let ty = ty.strip_suffix(" first locked").unwrap_or(ty);
    let ty = match ty.split_once('<') {
        Some((head, _)) => format!("{head}<…>"),
        None => ty.to_owned(),
    };
    let site = site.rsplit(['/', '\\']).next().unwrap_or(site);
    Cow::Owned(format!("{ty} at {site}"))
}

/// The table's name for each class of `cycle`: shortened where long, unless two would read
/// alike; and the legend lines for those shortened.
fn table_names(cycle: &[OrderEdge]) -> (Vec<(String, String)>, Vec<String>) {
    let mut names: Vec<(String, String)> = Vec::new();
    for e in cycle {
        for n in [&e.from, &e.to] {
            if !names.iter().any(|(full, _)| full == n.as_ref()) {
                names.push((n.to_string(), table_name(n).into_owned()));
            }
        }
    }
    let shorts: Vec<String> = names.iter().map(|(_, s)| s.clone()).collect();
    for (full, short) in &mut names {
        if shorts.iter().filter(|s| *s == short).count() > 1 {
            *short = full.clone();
        }
    }
    let legend = names
        .iter()
        .filter(|(full, short)| full != short)
        .map(|(full, short)| format!("      `{short}` is `{full}`"))
        .collect();
    (names, legend)
}

fn scenario(f: &mut fmt::Formatter<'_>, cycle: &[OrderEdge]) -> fmt::Result {
    // One thread per edge: it holds the edge's source and waits for its target. The learned
    // edges come first (they happened first), the current acquisition last.
    let mut cols: Vec<&OrderEdge> = cycle.iter().skip(1).collect();
    cols.push(&cycle[0]);
    let n = cols.len();
    // Between tasks, the tasks are the actors (a task moves between worker threads).
    let tasks = cols.iter().any(|e| e.task.is_some());
    let mut names: Vec<String> = cols
        .iter()
        .map(|e| match e.task {
            Some(task) => format!("task {task}"),
            None => e.thread.to_string(),
        })
        .collect();
    let unique = {
        let mut s = names.clone();
        s.sort();
        s.dedup();
        s.len() == n
    };
    if !unique {
        names = names
            .iter()
            .enumerate()
            .map(|(i, t)| format!("T{} ({t})", i + 1))
            .collect();
    }
    let (short, legend) = table_names(cycle);
    let short = |n: &str| -> String {
        short
            .iter()
            .find(|(full, _)| full == n)
            .map_or_else(|| n.to_owned(), |(_, s)| s.clone())
    };
    let width = cols
        .iter()
        .map(|e| {
            short(&e.from)
                .chars()
                .count()
                .max(short(&e.to).chars().count())
                + 16
        })
        .chain(names.iter().map(String::len))
        .max()
        .unwrap_or(0)
        + 2;
    let word = ["no", "one", "two", "three", "four"]
        .get(n)
        .copied()
        .unwrap_or("several");
    writeln!(f)?;
    let actors = if tasks { "tasks" } else { "threads" };
    writeln!(f, "  how {word} {actors} deadlock:")?;
    let row = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
        let mut line = String::from("      ");
        for c in cells {
            let _ = write!(line, "{c:<width$}");
        }
        writeln!(f, "{}", line.trim_end())
    };
    row(f, &names)?;
    row(
        f,
        &names
            .iter()
            .map(|s| "-".repeat(s.len()))
            .collect::<Vec<_>>(),
    )?;
    for (i, e) in cols.iter().enumerate() {
        let mut cells = vec![String::new(); n];
        cells[i] = format!("lock({})", short(&e.from));
        row(f, &cells)?;
    }
    for (i, e) in cols.iter().enumerate() {
        let mut cells = vec![String::new(); n];
        cells[i] = format!("lock({})  <- waits", short(&e.to));
        if i == n - 1 {
            cells[i].push_str("   *** DEADLOCK ***");
        }
        row(f, &cells)?;
    }
    if !legend.is_empty() {
        writeln!(f, "    where")?;
        for l in legend {
            writeln!(f, "{l}")?;
        }
    }
    Ok(())
}

fn order_cycle(
    f: &mut fmt::Formatter<'_>,
    v: &Violation,
    cycle: &[OrderEdge],
    declared: &[lockcheck_ranks::DeclaredOrder],
    broken_gate: Option<&BrokenGate>,
) -> fmt::Result {
    let Some(first) = cycle.first() else {
        return writeln!(f, "lockcheck: possible deadlock (empty cycle)");
    };
    let waits = super::wait_text::Waits::now();
    if waits.through(cycle) {
        return super::wait_text::wait_cycle(f, &waits, v, cycle, broken_gate);
    }
    if cycle.len() == 2 {
        writeln!(
            f,
            "lockcheck: possible deadlock: lock order inversion between `{}` and `{}`",
            first.from, first.to
        )?;
    } else {
        // Past the line limit, the headline names the first locks and counts the rest.
        let named = if cycle.len() > MAX_CYCLE_LINES {
            4
        } else {
            cycle.len()
        };
        let mut names: Vec<String> = cycle[..named]
            .iter()
            .map(|e| format!("`{}`", e.from))
            .collect();
        if named < cycle.len() {
            names.push(format!("... ({} locks in all)", cycle.len()));
        }
        writeln!(
            f,
            "lockcheck: possible deadlock: lock order cycle through {}",
            names.join(", ")
        )?;
    }
    writeln!(f)?;
    let held = v.held.iter().find(|h| h.site == first.from_site);
    acquiring_lines(f, v, held)?;
    writeln!(f)?;
    if cycle.len() == 2 {
        writeln!(f, "  but the reverse order was learned earlier:")?;
    } else {
        writeln!(
            f,
            "  but an order from `{}` back to `{}` was learned earlier:",
            first.to, first.from
        )?;
    }
    let learned = &cycle[1..];
    if learned.len() > MAX_CYCLE_LINES {
        let head = MAX_CYCLE_LINES / 2;
        let tail = MAX_CYCLE_LINES - head - 1;
        for e in &learned[..head] {
            edge_lines(f, e)?;
        }
        writeln!(
            f,
            "    ... {} more edges (the whole chain is in the JSON report) ...",
            learned.len() - head - tail
        )?;
        for e in &learned[learned.len() - tail..] {
            edge_lines(f, e)?;
        }
    } else {
        for e in learned {
            edge_lines(f, e)?;
        }
    }
    if cycle.len() <= MAX_SCENARIO_THREADS {
        scenario(f, cycle)?;
    } else {
        writeln!(f)?;
        writeln!(
            f,
            "  how it deadlocks: {} threads, each holding one lock of the cycle and waiting for the next",
            cycle.len()
        )?;
    }
    if !declared.is_empty() {
        let mut chain: Vec<&str> = declared.iter().map(|d| d.before.as_str()).collect();
        chain.extend(declared.last().map(|d| d.after.as_str()));
        let mut at: Vec<&str> = declared.iter().map(|d| d.declared_at.as_str()).collect();
        at.dedup();
        writeln!(f)?;
        writeln!(
            f,
            "  declared rank order: {} ({}): this acquisition breaks it too",
            chain.join(" < "),
            at.join(", ")
        )?;
    }
    if let Some(g) = broken_gate {
        let locks: Vec<String> = g.locks.iter().map(|l| format!("`{l}`")).collect();
        writeln!(f)?;
        writeln!(
            f,
            "  gate broken: every earlier observation of these orders held {} (while it is held,",
            locks.join(" and ")
        )?;
        writeln!(
            f,
            "  the cycle cannot deadlock); thread `{}` took one at {} without it",
            g.thread, g.site
        )?;
    }
    let skip: Vec<&Site> = held.map(|h| vec![&h.site]).unwrap_or_default();
    held_list(f, &v.held, &skip)
}

/// A deadlock: each owner, what it waits for, who holds that.
fn deadlock(f: &mut fmt::Formatter<'_>, v: &Violation, waits: &[WaitStep]) -> fmt::Result {
    let tasks = v.thread.contains(", task ");
    writeln!(
        f,
        "lockcheck: deadlock: {} {} wait for each other; found before `{}` parks",
        waits.len(),
        if tasks {
            "owners (threads, tasks)"
        } else {
            "threads"
        },
        v.thread
    )?;
    writeln!(f)?;
    let width = waits.iter().map(|w| w.owner.len()).max().unwrap_or(0) + 2;
    for (i, w) in waits.iter().enumerate() {
        let next = &waits[(i + 1) % waits.len()].owner;
        writeln!(
            f,
            "  {:<width$} waits for {:<20} at {}",
            format!("`{}`", w.owner),
            what(&w.waits_for),
            w.waits_for.site,
        )?;
        writeln!(
            f,
            "  {:<width$} which `{}` holds ({}) since {}",
            "",
            next,
            match w.held_by_next.mode {
                Mode::Exclusive => "exclusive",
                Mode::Shared => "shared",
            },
            w.held_by_next.site,
        )?;
    }
    writeln!(f)?;
    writeln!(
        f,
        "  nothing can wake them: the acquisition at {} closes the cycle; under the default\n  \
         action it panics instead of parking, which releases what `{}` holds",
        v.acquiring.site, v.thread
    )?;
    writeln!(f)?;
    writeln!(
        f,
        "  help: take these locks in one order everywhere (the order-cycle report for them,\n  \
         if any, names the places)"
    )
}

/// `s`, [shown](shown) safely, in place.
fn show(s: &mut String) {
    if let Cow::Owned(safe) = shown(s) {
        *s = safe;
    }
}

fn show_cow(s: &mut Cow<'static, str>) {
    if let Cow::Owned(safe) = shown(s) {
        *s = Cow::Owned(safe);
    }
}

fn show_use(u: &mut LockUse) {
    show(&mut u.class);
}

fn show_declared(declared: &mut [DeclaredOrder]) {
    for d in declared {
        show(&mut d.before);
        show(&mut d.after);
        show(&mut d.declared_at);
    }
}

/// A copy of `v` whose every name is [shown](shown) safely, so that the text below can print
/// names as they are (sites show themselves safely). A copy costs nothing that matters: text is
/// made once per violation.
fn shown_violation(v: &Violation) -> Violation {
    let mut v = v.clone();
    show(&mut v.thread);
    show_use(&mut v.acquiring);
    v.held.iter_mut().for_each(show_use);
    match &mut v.kind {
        ViolationKind::OrderCycle {
            cycle,
            declared,
            broken_gate,
        } => {
            for e in cycle {
                show_cow(&mut e.from);
                show_cow(&mut e.to);
                show_cow(&mut e.thread);
            }
            show_declared(declared);
            if let Some(g) = broken_gate {
                g.locks.iter_mut().for_each(show);
                show(&mut g.thread);
            }
        }
        ViolationKind::RecursiveLock { held } | ViolationKind::SameClass { held } => show_use(held),
        ViolationKind::RankOrder { held, declared } => {
            show_use(held);
            show_declared(declared);
        }
        ViolationKind::Deadlock { waits } => {
            for w in waits {
                show(&mut w.owner);
                show_use(&mut w.waits_for);
                show_use(&mut w.held_by_next);
            }
        }
        ViolationKind::Contract {
            function,
            lock,
            class,
            caller,
            ..
        } => {
            show(function);
            show(lock);
            show(class);
            caller.iter_mut().for_each(show);
        }
        ViolationKind::ExitWhileHolding
        | ViolationKind::HeldLockFreed
        | ViolationKind::HeldAcrossAwait => {}
    }
    v
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names come from the user's code and environment: never printed raw (`shown.rs`).
        let shown = shown_violation(self);
        shown.text(f)
    }
}

impl Violation {
    /// The text of a violation whose names are already [shown](shown) safely.
    fn text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ViolationKind::OrderCycle {
                cycle,
                declared,
                broken_gate,
            } => order_cycle(f, self, cycle, declared, broken_gate.as_ref()),
            ViolationKind::RecursiveLock { held } => {
                writeln!(
                    f,
                    "lockcheck: recursive locking: thread `{}` is acquiring `{}`, which it already holds",
                    self.thread, self.acquiring.class
                )?;
                writeln!(f)?;
                acquiring_lines(f, self, Some(held))?;
                writeln!(f)?;
                if held.mode == Mode::Shared && self.acquiring.mode == Mode::Shared {
                    writeln!(
                        f,
                        "  a second read of a lock this thread reads deadlocks as soon as a writer"
                    )?;
                    writeln!(
                        f,
                        "  queues between the two (std's RwLock does not promise recursive reads)"
                    )?;
                } else {
                    writeln!(
                        f,
                        "  the thread would wait for itself forever; the acquisition is refused"
                    )?;
                }
                held_list(f, &self.held, &[&held.site])
            }
            ViolationKind::SameClass { held } => {
                writeln!(
                    f,
                    "lockcheck: possible recursive locking: two locks of class `{}` held at once",
                    self.acquiring.class
                )?;
                writeln!(f)?;
                acquiring_lines(f, self, Some(held))?;
                writeln!(f)?;
                writeln!(
                    f,
                    "  locks of one class share one place in the lock order, so the order between"
                )?;
                writeln!(
                    f,
                    "  these two is not checked and another thread may take them the other way;"
                )?;
                writeln!(
                    f,
                    "  if the nesting is intended, take the inner one with `lock_nested(1)`"
                )?;
                held_list(f, &self.held, &[&held.site])
            }
            ViolationKind::RankOrder { held, declared } => {
                writeln!(
                    f,
                    "lockcheck: lock rank violation: acquiring `{}` while holding `{}`",
                    self.acquiring.class, held.class
                )?;
                writeln!(f)?;
                acquiring_lines(f, self, Some(held))?;
                writeln!(f)?;
                writeln!(
                    f,
                    "  the declared rank order puts `{}` before `{}`:",
                    self.acquiring.class, held.class
                )?;
                for d in declared {
                    let step = format!("{} < {}", d.before, d.after);
                    writeln!(f, "    {step:<28} declared at {}", d.declared_at)?;
                }
                held_list(f, &self.held, &[&held.site])
            }
            ViolationKind::ExitWhileHolding => {
                writeln!(
                    f,
                    "lockcheck: thread `{}` exited while holding {} lock{}; no other thread can take {} now",
                    self.thread,
                    self.held.len(),
                    if self.held.len() == 1 { "" } else { "s" },
                    if self.held.len() == 1 { "it" } else { "them" },
                )?;
                held_list(f, &self.held, &[])
            }
            ViolationKind::HeldAcrossAwait => {
                writeln!(
                    f,
                    "lockcheck: a task on thread `{}` yielded at an `.await` while holding {} \
                     blocking lock{}",
                    self.thread,
                    self.held.len(),
                    if self.held.len() == 1 { "" } else { "s" },
                )?;
                writeln!(f)?;
                writeln!(
                    f,
                    "  while it waits, another task on this worker that takes `{}` blocks the\n  \
                     worker thread: with few workers (one, on a current-thread runtime) the\n  \
                     runtime deadlocks",
                    self.acquiring.class
                )?;
                writeln!(f)?;
                writeln!(f, "  the task holds, across the `.await`:")?;
                for h in &self.held {
                    writeln!(f, "    {:<24} taken at {}", what(h), h.site)?;
                }
                writeln!(f)?;
                writeln!(
                    f,
                    "  help: release the guard before the `.await` (end its scope, or `drop` it),\n  \
                     or use an async lock (`lockcheck::tokio::Mutex`)"
                )
            }
            ViolationKind::Deadlock { waits } => deadlock(f, self, waits),
            ViolationKind::HeldLockFreed => {
                writeln!(
                    f,
                    "lockcheck: held lock freed: thread `{}` still holds `{}`, which is being dropped",
                    self.thread, self.acquiring.class
                )?;
                writeln!(f)?;
                writeln!(
                    f,
                    "    {:<28} taken at {}",
                    format!("`{}`", self.acquiring.class),
                    self.acquiring.site
                )?;
                writeln!(f)?;
                writeln!(
                    f,
                    "  its guard was never dropped (`mem::forget`, a leak): the lock is gone while"
                )?;
                writeln!(
                    f,
                    "  still locked; lockcheck forgets it, so a new lock at its address is not it"
                )?;
                held_list(f, &self.held, &[])
            }
            ViolationKind::Contract {
                function,
                lock,
                class,
                must_hold,
                mode,
                contract_site,
                caller,
                asynchronous,
            } => {
                let how = match mode {
                    Some(Mode::Shared) => " (for reading at least)",
                    Some(Mode::Exclusive) => " for writing",
                    None => "",
                };
                if *must_hold {
                    writeln!(
                        f,
                        "lockcheck: `{function}` requires `{lock}` to be held{how}, but this thread does not hold it"
                    )?;
                } else {
                    writeln!(
                        f,
                        "lockcheck: `{function}` must not run while `{lock}` is held, but this thread holds it"
                    )?;
                }
                let named = if class == lock.trim_matches('"') {
                    String::new()
                } else {
                    format!(" (class `{class}`)")
                };
                if *asynchronous {
                    writeln!(
                        f,
                        "  in `{function}`, thread `{}`: an async fn, checked at its first poll \
                         (its caller is the executor; the task that awaits it holds the locks)",
                        self.thread
                    )?;
                } else if self.acquiring.site == *contract_site {
                    let caller = caller
                        .as_ref()
                        .map(|c| format!(" from `{c}`"))
                        .unwrap_or_default();
                    writeln!(
                        f,
                        "  in `{function}`, called{caller}, thread `{}`; the call site is unknown \
                         (no line tables in this build, or no `backtrace` feature)",
                        self.thread
                    )?;
                } else {
                    let caller = caller
                        .as_ref()
                        .map(|c| format!(" (in `{c}`)"))
                        .unwrap_or_default();
                    writeln!(
                        f,
                        "  called at {}{caller}, thread `{}`",
                        self.acquiring.site, self.thread
                    )?;
                }
                writeln!(f, "  contract  on `{lock}`{named} at {contract_site}")?;
                if self.held.is_empty() {
                    writeln!(f, "  this thread holds no checked lock")
                } else {
                    held_list(f, &self.held, &[])
                }
            }
        }
    }
}
