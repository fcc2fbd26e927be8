//! What the rules share, computed once per crate (clippy_utils is the model): calls resolved to
//! the one function they go to, the translation of a callee's locks into its caller's terms,
//! per-function summaries of what a function may acquire (directly or through the calls it
//! makes, to a fixpoint), and the crate's order edges (LC004 and LC005 read the same ones).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{Callee, Crate, Event, Function, Held, LockPath, Span};

/// One thing a function may acquire, in its own terms.
#[derive(Clone, Debug)]
pub(crate) struct Acq {
    pub(crate) lock: LockPath,
    /// Where the acquisition itself is.
    pub(crate) site: Span,
    /// The functions it goes through, outermost first (empty: in the function itself).
    pub(crate) via: Vec<String>,
}

/// A call of the crate resolved to the one function it goes to.
pub(crate) struct Call<'k> {
    pub(crate) caller: &'k Function,
    pub(crate) caller_index: usize,
    pub(crate) callee: &'k Function,
    pub(crate) callee_index: usize,
    /// How it was called (`self.m()`, `Type::m()`, `f()`), for translating locks.
    pub(crate) how: &'k Callee,
    pub(crate) args: &'k [Option<LockPath>],
    pub(crate) span: Span,
    pub(crate) held: &'k [Held],
    /// The callee as written.
    pub(crate) text: &'k str,
}

impl Call<'_> {
    /// A lock of the callee in the caller's terms.
    pub(crate) fn translate(&self, a: &Analysis<'_>, lock: &LockPath) -> Option<LockPath> {
        a.translate(lock, self.caller, self.callee, self.how, self.args)
    }
}

/// An acquisition that can wait (blocking or timed) in a function's body (`try_*` ones add no
/// order and cannot deadlock).
pub(crate) struct Acquisition<'k> {
    pub(crate) function: &'k Function,
    pub(crate) function_index: usize,
    pub(crate) lock: &'k LockPath,
    /// The lock as written.
    pub(crate) text: &'k str,
    pub(crate) span: Span,
    /// What is held when it is taken.
    pub(crate) held: &'k [Held],
    /// For reading.
    pub(crate) read: bool,
    /// Its declared type (a `let` or parameter's) is re-entrant.
    pub(crate) reentrant: bool,
}

/// Shared analysis state.
pub(crate) struct Analysis<'k> {
    pub(crate) krate: &'k Crate,
    free: HashMap<&'k str, Vec<usize>>,
    methods: HashMap<(&'k str, &'k str), Vec<usize>>,
    /// `acquires[f]`: what `f` may acquire, directly or through calls.
    pub(crate) acquires: Vec<Vec<Acq>>,
    /// Every order edge of the crate, first sighting of each.
    pub(crate) order_edges: Vec<OrderEdge>,
    /// `exclusive[f]`: `f` only ever runs while its thread holds `self` exclusively.
    pub(crate) exclusive: Vec<bool>,
    /// The names (a field's, a static's, a local's: a lock path's last segment) of every lock
    /// some code of the crate takes exclusively and waits for: `write()`, `lock()`,
    /// `upgradable_read()`, directly or through a call. A name, not a path, so that a writer
    /// reached through another receiver or an alias still counts.
    pub(crate) written: HashSet<String>,
}

impl<'k> Analysis<'k> {
    pub(crate) fn new(krate: &'k Crate) -> Self {
        let mut free: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut methods: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, f) in krate.functions.iter().enumerate() {
            match &f.self_ty {
                None => free.entry(&f.ident).or_default().push(i),
                Some(t) => methods.entry((t, &f.ident)).or_default().push(i),
            }
        }
        let mut a = Analysis {
            krate,
            free,
            methods,
            acquires: Vec::new(),
            order_edges: Vec::new(),
            exclusive: Vec::new(),
            written: HashSet::new(),
        };
        a.summarise();
        a.written = written_names(&a);
        a.exclusive = exclusive_methods(&a);
        a.order_edges = order_edges(&a);
        a
    }

    /// The one function a call goes to; `None` when there is none or more than one.
    pub(crate) fn resolve(&self, caller: &Function, callee: &Callee) -> Option<usize> {
        let candidates = match callee {
            Callee::Free(name) => self.free.get(name.as_str()),
            Callee::SelfMethod(m) => self.methods.get(&(caller.self_ty.as_deref()?, m.as_str())),
            Callee::Assoc(ty, m) => self.methods.get(&(ty.as_str(), m.as_str())),
        }?;
        match candidates.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Every acquisition that can wait (blocking or timed) in the crate, function by function, in
    /// body order.
    pub(crate) fn acquisitions(&self) -> impl Iterator<Item = Acquisition<'k>> + 'k {
        let krate = self.krate;
        krate.functions.iter().enumerate().flat_map(|(fi, f)| {
            f.events.iter().filter_map(move |e| match e {
                Event::Acquire {
                    lock,
                    text,
                    span,
                    held,
                    try_: false,
                    read,
                    reentrant,
                } => Some(Acquisition {
                    function: f,
                    function_index: fi,
                    lock,
                    text,
                    span: *span,
                    held,
                    read: *read,
                    reentrant: *reentrant,
                }),
                _ => None,
            })
        })
    }

    /// Every call in the crate that resolves to one function (recursive calls included).
    pub(crate) fn calls(&self) -> impl Iterator<Item = Call<'k>> + '_ {
        let fns = &self.krate.functions;
        fns.iter().enumerate().flat_map(move |(fi, f)| {
            f.events.iter().filter_map(move |e| {
                let Event::Call {
                    callee,
                    args,
                    span,
                    held,
                    text,
                } = e
                else {
                    return None;
                };
                let gi = self.resolve(f, callee)?;
                Some(Call {
                    caller: f,
                    caller_index: fi,
                    callee: &fns[gi],
                    callee_index: gi,
                    how: callee,
                    args,
                    span: *span,
                    held,
                    text,
                })
            })
        })
    }

    /// A lock of `callee`, said in `caller`'s terms at a call with `args`.
    pub(crate) fn translate(
        &self,
        lock: &LockPath,
        caller: &Function,
        callee: &Function,
        how: &Callee,
        args: &[Option<LockPath>],
    ) -> Option<LockPath> {
        // `Type::method(receiver, ..)` passes the receiver first.
        let (receiver, args) = match how {
            Callee::Assoc(..) if callee.has_self => (
                args.first().cloned().flatten(),
                args.get(1..).unwrap_or(&[]),
            ),
            _ => (None, args),
        };
        let translated = match lock {
            LockPath::Static(_) | LockPath::Class(_) => Some(lock.clone()),
            // Another struct's lock, reached through a field or parameter of that type
            // (canonical already): the same lock in the caller.
            LockPath::SelfField { ty, .. } if Some(ty) != callee.self_ty.as_ref() => {
                Some(lock.clone())
            }
            LockPath::SelfField { fields, .. } => match how {
                Callee::SelfMethod(_) => Some(LockPath::SelfField {
                    ty: caller.self_ty.clone()?,
                    fields: fields.clone(),
                }),
                Callee::Assoc(..) => receiver.map(|r| r.with_fields(fields)),
                Callee::Free(_) => None,
            },
            LockPath::Param { index, fields } => args
                .get(*index)
                .cloned()
                .flatten()
                .map(|p| p.with_fields(fields)),
            LockPath::Local { .. } => None,
        };
        translated.map(|l| self.krate.canonical_in(caller, l))
    }

    /// Computes `acquires` to a fixpoint, or for at most 32 rounds (a summary deeper than 32 calls
    /// is cut there: silence rather than a long analysis).
    fn summarise(&mut self) {
        let fns = &self.krate.functions;
        self.acquires = fns
            .iter()
            .map(|f| {
                let mut direct: Vec<Acq> = Vec::new();
                for e in &f.events {
                    if let Event::Acquire {
                        lock,
                        span,
                        try_: false,
                        ..
                    } = e
                    {
                        if !direct.iter().any(|a| a.lock == *lock) {
                            direct.push(Acq {
                                lock: lock.clone(),
                                site: *span,
                                via: Vec::new(),
                            });
                        }
                    }
                }
                direct
            })
            .collect();
        for _ in 0..fns.len().min(32) {
            let mut changed = false;
            for (fi, f) in fns.iter().enumerate() {
                for e in &f.events {
                    let Event::Call { callee, args, .. } = e else {
                        continue;
                    };
                    let Some(gi) = self.resolve(f, callee) else {
                        continue;
                    };
                    if gi == fi {
                        continue;
                    }
                    let g = &fns[gi];
                    let inherited: Vec<Acq> = self.acquires[gi]
                        .iter()
                        .filter_map(|a| {
                            let lock = self.translate(&a.lock, f, g, callee, args)?;
                            let mut via = vec![g.name.clone()];
                            via.extend(a.via.iter().cloned());
                            Some(Acq {
                                lock,
                                site: a.site,
                                via,
                            })
                        })
                        .collect();
                    for a in inherited {
                        if !self.acquires[fi].iter().any(|x| x.lock == a.lock) {
                            self.acquires[fi].push(a);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The class name of a lock, if it was built with `named("...")` (or is a class).
    pub(crate) fn class_of<'a>(&'a self, lock: &'a LockPath) -> Option<&'a str> {
        match lock {
            LockPath::Class(c) => Some(c),
            other => self.krate.class_names.get(other).map(String::as_str),
        }
    }

    /// Whether `held` holds `lock` (a class: any lock of it), in a mode that meets `write`.
    pub(crate) fn holds(&self, held: &[Held], lock: &LockPath, write: bool) -> Option<Held> {
        held.iter()
            .find(|h| {
                let same = h.lock == *lock
                    || matches!(lock, LockPath::Class(c) if self.class_of(&h.lock) == Some(c));
                same && !(write && h.read)
            })
            .cloned()
    }

    /// How to show a lock of `f` to a person: parameters by name.
    pub(crate) fn show(&self, lock: &LockPath, f: &Function) -> String {
        match lock {
            LockPath::Param { index, fields } => {
                let name = f
                    .params
                    .get(*index)
                    .cloned()
                    .unwrap_or_else(|| format!("<param {index}>"));
                if fields.is_empty() {
                    name
                } else {
                    format!("{name}.{fields}")
                }
            }
            other => other.to_string(),
        }
    }
}

/// One order edge, with where it was first seen.
#[derive(Clone, Debug)]
pub(crate) struct OrderEdge {
    pub(crate) from: LockPath,
    pub(crate) to: LockPath,
    pub(crate) from_text: String,
    pub(crate) to_text: String,
    /// The acquisition (or call) that takes `to` while `from` is held.
    pub(crate) site: Span,
    /// Where `from` was taken.
    pub(crate) from_site: Span,
    /// Through a call: where the callee takes `to`.
    pub(crate) inner_site: Option<Span>,
    pub(crate) function: String,
    /// Every sighting of this order was in a method taking `self` exclusively.
    pub(crate) exclusive: bool,
}

/// Which functions only ever run while their thread holds `self` exclusively: methods taking
/// `&mut self` or `self`, and, to a fixpoint, `&self` methods that code outside the crate cannot
/// call (not `pub`, not a trait's) and that are called only as `self.m()` from such methods
/// (redb's `store_data_freed_pages_for(&self)`, reached only from `commit(self)`). A method
/// whose name appears anywhere else in the source (a call on another receiver, a function
/// pointer) is not one: the lint cannot see who calls it.
fn exclusive_methods(a: &Analysis<'_>) -> Vec<bool> {
    let fns = &a.krate.functions;
    let mut exclusive: Vec<bool> = fns.iter().map(|f| f.exclusive_self).collect();
    // Resolved `self.m()` calls into each function, and whether any other resolved call is.
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); fns.len()];
    let mut other_call = vec![false; fns.len()];
    for call in a.calls() {
        if matches!(call.how, Callee::SelfMethod(_)) {
            callers[call.callee_index].push(call.caller_index);
        } else {
            other_call[call.callee_index] = true;
        }
    }
    let mut candidate: Vec<bool> = fns
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.has_self && !f.exposed && !exclusive[i] && !other_call[i] && !callers[i].is_empty()
        })
        .collect();
    // Every mention of its name must be its definition or one of these calls.
    let names: std::collections::HashSet<&str> = fns
        .iter()
        .zip(&candidate)
        .filter(|(_, c)| **c)
        .map(|(f, _)| f.ident.as_str())
        .collect();
    let counts = mentions(a.krate, &names);
    for (i, f) in fns.iter().enumerate() {
        candidate[i] &= counts.get(f.ident.as_str()).copied().unwrap_or(0) == 1 + callers[i].len();
    }
    loop {
        let mut changed = false;
        for i in 0..fns.len() {
            if candidate[i] && !exclusive[i] && callers[i].iter().all(|&c| exclusive[c]) {
                exclusive[i] = true;
                changed = true;
            }
        }
        if !changed {
            return exclusive;
        }
    }
}

/// How many times each of `names` occurs as a whole word in the crate's source: one pass.
fn mentions<'n>(
    krate: &Crate,
    names: &std::collections::HashSet<&'n str>,
) -> HashMap<&'n str, usize> {
    let mut counts = HashMap::new();
    if names.is_empty() {
        return counts;
    }
    for f in &krate.files {
        let words = f
            .text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        for w in words {
            if let Some(n) = names.get(w) {
                *counts.entry(*n).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Whether `locks` are all fields of `f`'s own instance (not reached through a field that is
/// another struct of the crate, which may be shared: `Queue`'s `self.device.x` is `Device`'s).
fn own_fields(f: &Function, locks: &[&LockPath]) -> bool {
    locks.iter().all(|l| {
        matches!(l, LockPath::SelfField { ty, .. } if Some(ty.as_str()) == f.self_ty.as_deref())
    })
}

fn in_graph(l: &LockPath) -> bool {
    !matches!(l, LockPath::Param { .. } | LockPath::Class(_))
}

/// Every order edge of the crate, first sighting of each.
fn order_edges(a: &Analysis<'_>) -> Vec<OrderEdge> {
    let mut seen: BTreeMap<(LockPath, LockPath), OrderEdge> = BTreeMap::new();
    let mut add = |mut e: OrderEdge| {
        let key = (e.from.clone(), e.to.clone());
        match seen.get_mut(&key) {
            Some(old) if old.site <= e.site => old.exclusive &= e.exclusive,
            Some(old) => {
                e.exclusive &= old.exclusive;
                *old = e;
            }
            None => {
                seen.insert(key, e);
            }
        }
    };
    for acq in a.acquisitions() {
        // Taking a lock already held is a double lock (LC003), not an order.
        if acq.held.iter().any(|h| h.lock == *acq.lock) || !in_graph(acq.lock) {
            continue;
        }
        for h in acq.held.iter().filter(|h| in_graph(&h.lock)) {
            add(OrderEdge {
                from: h.lock.clone(),
                to: acq.lock.clone(),
                from_text: h.text.clone(),
                to_text: acq.text.to_owned(),
                site: acq.span,
                from_site: h.span,
                inner_site: None,
                function: acq.function.name.clone(),
                exclusive: a.exclusive[acq.function_index]
                    && own_fields(acq.function, &[&h.lock, acq.lock]),
            });
        }
    }
    for call in a.calls() {
        if call.held.is_empty() || call.callee_index == call.caller_index {
            continue;
        }
        // A call that re-takes a lock its caller holds is a double lock (LC003): the orders it
        // would add are that same problem again, not another one.
        let retakes = a.acquires[call.callee_index].iter().any(|acq| {
            call.translate(a, &acq.lock)
                .is_some_and(|lock| call.held.iter().any(|h| h.lock == lock))
        });
        if retakes {
            continue;
        }
        for acq in &a.acquires[call.callee_index] {
            let Some(lock) = call.translate(a, &acq.lock) else {
                continue;
            };
            if !in_graph(&lock) {
                continue;
            }
            for h in call
                .held
                .iter()
                .filter(|h| h.lock != lock && in_graph(&h.lock))
            {
                add(OrderEdge {
                    from: h.lock.clone(),
                    to: lock.clone(),
                    from_text: h.text.clone(),
                    to_text: a.show(&lock, call.caller),
                    site: call.span,
                    from_site: h.span,
                    inner_site: Some(acq.site),
                    function: call.caller.name.clone(),
                    exclusive: a.exclusive[call.caller_index]
                        && own_fields(call.caller, &[&h.lock, &lock]),
                });
            }
        }
    }
    seen.into_values().collect()
}

/// The last segment of a lock path (`self.inner.table` → `table`), `None` for a parameter
/// itself (named by its callers) or a class.
pub(crate) fn lock_name(lock: &LockPath) -> Option<&str> {
    let path = match lock {
        LockPath::SelfField { fields, .. } => fields.as_str(),
        LockPath::Static(p) => p.as_str(),
        LockPath::Param { fields, .. } => fields.as_str(),
        LockPath::Local { path, .. } => path.as_str(),
        LockPath::Class(_) => return None,
    };
    path.rsplit('.').next().filter(|n| !n.is_empty())
}

/// [`Analysis::written`]: every waiting exclusive acquisition's lock name; a parameter's lock
/// is named by what its callers pass, through as many calls as it takes.
fn written_names(a: &Analysis<'_>) -> HashSet<String> {
    let krate = a.krate;
    let mut names = HashSet::new();
    // (function, parameter lock) pairs written, to be named by the callers.
    let mut params: Vec<(usize, LockPath)> = Vec::new();
    let mut lines = HashMap::new();
    for (fi, f) in krate.functions.iter().enumerate() {
        for e in &f.events {
            let Event::Acquire {
                lock,
                span,
                try_: false,
                read,
                ..
            } = e
            else {
                continue;
            };
            if *read && !span_text(krate, &mut lines, *span).contains("upgradable") {
                continue;
            }
            match lock_name(lock) {
                Some(n) => {
                    names.insert(n.to_owned());
                }
                None if matches!(lock, LockPath::Param { .. }) => params.push((fi, lock.clone())),
                None => {}
            }
        }
    }
    let mut seen: HashSet<(usize, LockPath)> = HashSet::new();
    // The calls into each function, gathered once (asking `calls()` per parameter lock was
    // quadratic in the crate's functions).
    let mut calls_into: HashMap<usize, Vec<Call<'_>>> = HashMap::new();
    if !params.is_empty() {
        for call in a.calls() {
            calls_into.entry(call.callee_index).or_default().push(call);
        }
    }
    while let Some((gi, lock)) = params.pop() {
        if !seen.insert((gi, lock.clone())) {
            continue;
        }
        for call in calls_into.get(&gi).into_iter().flatten() {
            match call.translate(a, &lock) {
                Some(l) => match lock_name(&l) {
                    Some(n) => {
                        names.insert(n.to_owned());
                    }
                    None if matches!(l, LockPath::Param { .. }) => {
                        params.push((call.caller_index, l));
                    }
                    None => {}
                },
                // A caller that passes something the lint cannot name: the lock may be any.
                None => {
                    names.insert(String::new());
                }
            }
        }
    }
    names
}

/// The source text a span covers, whole lines (enough to see the method's name), found through
/// `lines` (each file's line starts, built on first need: reading lines from the top for each
/// span was quadratic in a file's size).
fn span_text<'t>(krate: &'t Crate, lines: &mut HashMap<usize, Vec<usize>>, span: Span) -> &'t str {
    let Some(f) = krate.files.get(span.file) else {
        return "";
    };
    let starts = lines.entry(span.file).or_insert_with(|| {
        std::iter::once(0)
            .chain(f.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect()
    });
    let start = starts
        .get(span.line.saturating_sub(1))
        .copied()
        .unwrap_or(f.text.len());
    let end = starts
        .get(span.end_line.max(span.line))
        .copied()
        .unwrap_or(f.text.len());
    f.text.get(start..end.max(start)).unwrap_or_default()
}
