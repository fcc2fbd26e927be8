//! The JSON form of a [`Report`], schema version [`Report::SCHEMA_VERSION`] (documented in
//! `docs/report-schema.md`). Written by hand: the runtime's dependencies stay tiny, and the
//! format is small and flat.

use std::fmt::Write as _;

use super::Report;
use crate::mode::Mode;
use crate::site::Site;
use crate::violation::{LockUse, OrderEdge, Violation, ViolationKind};

/// A JSON string literal, escaped per RFC 8259.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.push_str("null"),
    }
}

fn site(out: &mut String, s: &Site) {
    out.push_str("{\"file\":");
    string(out, &s.file);
    let _ = write!(out, ",\"line\":{},\"column\":{}}}", s.line, s.column);
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Exclusive => "exclusive",
        Mode::Shared => "shared",
    }
}

fn lock_use(out: &mut String, u: &LockUse) {
    out.push_str("{\"class\":");
    string(out, &u.class);
    let _ = write!(out, ",\"mode\":\"{}\",\"site\":", mode(u.mode));
    site(out, &u.site);
    out.push('}');
}

fn edge(out: &mut String, e: &OrderEdge) {
    out.push_str("{\"from\":");
    string(out, &e.from);
    out.push_str(",\"to\":");
    string(out, &e.to);
    out.push_str(",\"site\":");
    site(out, &e.site);
    out.push_str(",\"from_site\":");
    site(out, &e.from_site);
    out.push_str(",\"thread\":");
    string(out, &e.thread);
    match e.task {
        Some(task) => {
            let _ = write!(out, ",\"task\":{task}");
        }
        None => out.push_str(",\"task\":null"),
    }
}

fn list<T>(out: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

fn declared_list(out: &mut String, declared: &[lockcheck_ranks::DeclaredOrder]) {
    list(out, declared, |out, d| {
        out.push_str("{\"before\":");
        string(out, &d.before);
        out.push_str(",\"after\":");
        string(out, &d.after);
        out.push_str(",\"declared_at\":");
        string(out, &d.declared_at);
        out.push('}');
    });
}

fn violation(out: &mut String, v: &Violation) {
    out.push_str("{\"kind\":");
    string(out, v.kind_name());
    out.push_str(",\"thread\":");
    string(out, &v.thread);
    out.push_str(if v.captured {
        ",\"captured\":true"
    } else {
        ",\"captured\":false"
    });
    out.push_str(",\"acquiring\":");
    lock_use(out, &v.acquiring);
    out.push_str(",\"held\":");
    list(out, &v.held, lock_use);
    match &v.kind {
        ViolationKind::OrderCycle {
            cycle,
            declared,
            broken_gate,
        } => {
            out.push_str(",\"cycle\":");
            list(out, cycle, |out, e| {
                edge(out, e);
                out.push('}');
            });
            out.push_str(",\"declared\":");
            declared_list(out, declared);
            out.push_str(",\"broken_gate\":");
            match broken_gate {
                Some(g) => {
                    out.push_str("{\"locks\":");
                    list(out, &g.locks, |out, l| string(out, l));
                    out.push_str(",\"site\":");
                    site(out, &g.site);
                    out.push_str(",\"thread\":");
                    string(out, &g.thread);
                    out.push('}');
                }
                None => out.push_str("null"),
            }
        }
        ViolationKind::RecursiveLock { held } | ViolationKind::SameClass { held } => {
            out.push_str(",\"other\":");
            lock_use(out, held);
        }
        ViolationKind::RankOrder { held, declared } => {
            out.push_str(",\"other\":");
            lock_use(out, held);
            out.push_str(",\"declared\":");
            declared_list(out, declared);
        }
        ViolationKind::ExitWhileHolding
        | ViolationKind::HeldLockFreed
        | ViolationKind::HeldAcrossAwait => {}
        ViolationKind::Deadlock { waits } => {
            out.push_str(",\"waits\":");
            list(out, waits, |out, w| {
                out.push_str("{\"owner\":");
                string(out, &w.owner);
                out.push_str(",\"waits_for\":");
                lock_use(out, &w.waits_for);
                out.push_str(",\"held_by_next\":");
                lock_use(out, &w.held_by_next);
                out.push('}');
            });
        }
        ViolationKind::Contract {
            function,
            lock,
            class,
            must_hold,
            mode: m,
            contract_site,
            caller,
            asynchronous,
        } => {
            out.push_str(",\"function\":");
            string(out, function);
            out.push_str(",\"lock\":");
            string(out, lock);
            out.push_str(",\"class\":");
            string(out, class);
            let _ = write!(out, ",\"must_hold\":{must_hold},\"mode\":");
            opt_string(out, m.map(mode));
            out.push_str(",\"contract_site\":");
            site(out, contract_site);
            out.push_str(",\"caller\":");
            opt_string(out, caller.as_deref());
            let _ = write!(out, ",\"async\":{asynchronous}");
        }
    }
    out.push_str(",\"message\":");
    string(out, &v.to_string());
    out.push('}');
}

pub(super) fn to_json(r: &Report) -> String {
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "{{\n\"schema\":\"lockcheck-report\",\n\"version\":{},\n\"pid\":{},\n\"program\":",
        Report::SCHEMA_VERSION,
        r.pid
    );
    string(&mut out, &r.program);
    out.push_str(",\n\"classes\":");
    list(&mut out, &r.classes, |out, c| {
        out.push_str("\n {\"name\":");
        string(out, &c.name);
        out.push_str(",\"site\":");
        match &c.site {
            Some(s) => site(out, s),
            None => out.push_str("null"),
        }
        out.push_str(",\"rank\":");
        match c.rank {
            Some(r) => {
                let _ = write!(out, "{r}");
            }
            None => out.push_str("null"),
        }
        if c.kind != super::ClassKind::Lock {
            let _ = write!(out, ",\"kind\":\"{}\"", c.kind.as_str());
        }
        out.push('}');
    });
    out.push_str(",\n\"edges\":");
    list(&mut out, &r.edges, |out, e| {
        out.push_str("\n ");
        edge(out, &e.edge);
        let declared = match e.declared {
            Some(true) => "true",
            Some(false) => "false",
            None => "null",
        };
        let _ = write!(out, ",\"count\":{},\"declared\":{declared}}}", e.count);
    });
    out.push_str(",\n\"declared_order\":");
    list(&mut out, &r.declared_order, |out, (a, b)| {
        out.push('[');
        string(out, a);
        out.push(',');
        string(out, b);
        out.push(']');
    });
    let _ = write!(out, ",\n\"instance_orders\":{}", r.instance_orders);
    out.push_str(",\n\"violations\":");
    list(&mut out, &r.violations, |out, v| {
        out.push_str("\n ");
        violation(out, v);
    });
    out.push_str("\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn strings_are_escaped() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
