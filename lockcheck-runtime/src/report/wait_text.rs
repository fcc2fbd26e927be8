//! The text of a cycle through a wait (a condvar, a joined thread, a channel: `wait_class.rs`):
//! each edge said as what happened — a wait while holding a lock, a notify while holding one,
//! a lock taken — with both of its places, since "lock order inversion" would name a condvar
//! as if it were locked.

use std::fmt;

use crate::violation::{BrokenGate, OrderEdge, Violation};
use crate::wait_class::{self, WaitKind};

/// The classes that are waits, by name: read once per report.
pub(super) struct Waits(Vec<(&'static str, WaitKind)>);

impl Waits {
    pub(super) fn now() -> Waits {
        Waits(wait_class::names())
    }

    fn kind(&self, name: &str) -> Option<WaitKind> {
        self.0.iter().find(|(n, _)| *n == name).map(|&(_, k)| k)
    }

    /// Whether the cycle runs through a wait (at once `false` in a program without waits: a
    /// cycle of 10,000 locks pays nothing for this).
    pub(super) fn through(&self, cycle: &[OrderEdge]) -> bool {
        !self.0.is_empty()
            && cycle
                .iter()
                .any(|e| self.kind(&e.from).is_some() || self.kind(&e.to).is_some())
    }
}

fn who(e: &OrderEdge) -> String {
    match e.task {
        Some(task) => format!("thread `{}`, task {task}", e.thread),
        None => format!("thread `{}`", e.thread),
    }
}

/// One edge as what happened, in two lines: the event at its place, and the lock at its own.
fn edge_lines(f: &mut fmt::Formatter<'_>, waits: &Waits, e: &OrderEdge) -> fmt::Result {
    let (from, to) = (waits.kind(&e.from), waits.kind(&e.to));
    let (event, at, holding, taken) = match (from, to) {
        (_, Some(WaitKind::Condvar)) => (
            format!("waits on `{}`", e.to),
            &e.site,
            &e.from,
            &e.from_site,
        ),
        (_, Some(WaitKind::Thread)) => {
            (format!("joins `{}`", e.to), &e.site, &e.from, &e.from_site)
        }
        (_, Some(WaitKind::Channel)) => (
            format!("receives on `{}`", e.to),
            &e.site,
            &e.from,
            &e.from_site,
        ),
        (_, Some(WaitKind::ChannelRoom)) => (
            format!("sends, waiting for `{}` while it is full,", e.to),
            &e.site,
            &e.from,
            &e.from_site,
        ),
        (Some(WaitKind::ChannelRoom), None) => (
            format!("received, making `{}`,", e.from),
            &e.from_site,
            &e.to,
            &e.site,
        ),
        (Some(WaitKind::Condvar), None) => (
            format!("notified `{}`", e.from),
            &e.from_site,
            &e.to,
            &e.site,
        ),
        (Some(WaitKind::Channel), None) => (
            format!("sent on `{}`", e.from),
            &e.from_site,
            &e.to,
            &e.site,
        ),
        (Some(WaitKind::Thread), None) => {
            writeln!(
                f,
                "    `{}` takes `{}` at {} ({}): joining it waits for that",
                e.from,
                e.to,
                e.site,
                who(e)
            )?;
            return Ok(());
        }
        (None, None) => {
            writeln!(
                f,
                "    `{}` -> `{}`   `{}` taken at {} ({})",
                e.from,
                e.to,
                e.to,
                e.site,
                who(e)
            )?;
            return writeln!(
                f,
                "      while `{}` was held, taken at {}",
                e.from, e.from_site
            );
        }
    };
    writeln!(f, "    {event} at {at} ({})", who(e))?;
    if waits.kind(holding) == Some(WaitKind::Thread) {
        // A thread's own class, "held" for its whole life: the wait is inside that thread.
        writeln!(
            f,
            "      inside `{holding}`: joining it waits for this wait"
        )
    } else {
        writeln!(f, "      while holding `{holding}`, taken at {taken}")
    }
}

/// A cycle through a wait: the waiter holds what its waker needs before it can wake it.
pub(super) fn wait_cycle(
    f: &mut fmt::Formatter<'_>,
    waits: &Waits,
    v: &Violation,
    cycle: &[OrderEdge],
    broken_gate: Option<&BrokenGate>,
) -> fmt::Result {
    let first_wait = cycle
        .iter()
        .flat_map(|e| [&*e.from, &*e.to])
        .find(|n| waits.kind(n).is_some())
        .unwrap_or_default();
    writeln!(
        f,
        "lockcheck: possible deadlock: `{first_wait}` may never be woken: its waiter holds what its waker needs first"
    )?;
    writeln!(f)?;
    writeln!(
        f,
        "  thread `{}` at {} closes this cycle:",
        v.thread, v.acquiring.site
    )?;
    for e in cycle {
        edge_lines(f, waits, e)?;
    }
    writeln!(f)?;
    writeln!(
        f,
        "  had the waiter waited first, its waker would block on a lock the waiter holds while it"
    )?;
    writeln!(
        f,
        "  sleeps, and the wake-up would never come (a wait that can time out is not counted)"
    )?;
    if let Some(g) = broken_gate {
        let locks: Vec<String> = g.locks.iter().map(|l| format!("`{l}`")).collect();
        writeln!(f)?;
        writeln!(
            f,
            "  gate broken: every earlier observation held {}; thread `{}` did without it at {}",
            locks.join(" and "),
            g.thread,
            g.site
        )?;
    }
    if !v.held.is_empty() {
        writeln!(f)?;
        writeln!(f, "  this thread holds:")?;
        for h in &v.held {
            writeln!(f, "    `{}` taken at {}", h.class, h.site)?;
        }
    }
    Ok(())
}
