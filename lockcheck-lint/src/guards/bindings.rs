//! What the walker's names are: each local binding, the guards it owns and the lock it
//! aliases; and, through them, which lock a path expression names and what its declared type
//! says it is.

use lockcheck_syntax::text::normalized as text_of;
use syn::{Expr, Pat};

use super::{Binding, Val, Walker};
use crate::lock_kind::LockKind;
use crate::model::LockPath;
use crate::syntax_utils::exprs::{field_chain, is_self, strip, strip_parens};
use crate::syntax_utils::patterns::pattern_idents;

impl Walker<'_> {
    pub(super) fn lookup(&self, name: &str) -> Option<&Binding> {
        self.bindings
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|b| b.name == name)
    }

    pub(super) fn bind(
        &mut self,
        name: String,
        guard: Option<usize>,
        alias: Option<(LockPath, String)>,
    ) {
        self.bind_guards(name, guard.into_iter().collect(), alias);
    }

    pub(super) fn bind_guards(
        &mut self,
        name: String,
        guards: Vec<usize>,
        alias: Option<(LockPath, String)>,
    ) {
        if let Some(s) = self.bindings.last_mut() {
            s.push(Binding {
                name,
                guards,
                alias,
                declared: None,
            });
        }
    }

    /// The live guards a name owns, when `e` is that name itself: a move (`drop(g)`, `f(g)`,
    /// `let h = g`). A borrow (`f(&g)`, `&mut g`) is not: the guard stays held.
    pub(super) fn bound_guards(&self, e: &Expr) -> Option<Val> {
        let Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let id = p.path.get_ident()?;
        let ids: Vec<usize> = self
            .lookup(&id.to_string())?
            .guards
            .iter()
            .copied()
            .filter(|g| self.is_live(*g))
            .collect();
        match ids.as_slice() {
            [] => None,
            [one] => Some(Val::Guard(*one)),
            _ => Some(Val::Guards(ids)),
        }
    }

    /// The binding `e` names, when it is a plain local name.
    pub(super) fn binding_mut(&mut self, e: &Expr) -> Option<&mut Binding> {
        let Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        self.bindings
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|b| b.name == name)
    }

    /// A parameter assigned to (`internals = m.lock();`, `internals` a `MutexGuard`
    /// parameter) becomes a binding of the function's outer scope that still names the
    /// parameter, so that it can own the guard.
    pub(super) fn param_binding(&mut self, e: &Expr) {
        let Expr::Path(p) = strip_parens(e) else {
            return;
        };
        let Some(name) = p.path.get_ident().map(ToString::to_string) else {
            return;
        };
        if self.lookup(&name).is_some() {
            return;
        }
        let Some(index) = self.scope.params.iter().position(|p| *p == name) else {
            return;
        };
        let alias = Some((
            LockPath::Param {
                index,
                fields: String::new(),
            },
            name.clone(),
        ));
        if let Some(outer) = self.bindings.first_mut() {
            outer.push(Binding {
                name,
                guards: Vec::new(),
                alias,
                declared: None,
            });
        }
    }

    /// Guards stored where the lint cannot follow them further (`self.slot = Some(m.lock())`):
    /// held for the rest of the function.
    pub(super) fn escape(&mut self, v: Val) {
        let ids = v.ids();
        if let Some(outer) = self.bindings.first_mut() {
            outer.push(Binding {
                name: String::new(),
                guards: ids,
                alias: None,
                declared: None,
            });
        }
    }

    /// The lock a (field) path expression names, normalised; `None` for anything else.
    pub(super) fn lock_path(&self, e: &Expr) -> Option<(LockPath, String)> {
        let e = strip(e);
        // `self.deposits()`, an accessor returning a lock: the field it returns.
        if let Expr::MethodCall(m) = e {
            if m.args.is_empty() && is_self(&m.receiver) {
                let ty = self.scope.self_ty.clone()?;
                let fields = self
                    .scope
                    .accessors
                    .get(&(ty.clone(), m.method.to_string()))?
                    .clone();
                return Some((LockPath::SelfField { ty, fields }, text_of(e)));
            }
            return None;
        }
        let text = text_of(e);
        let (fields, base) = field_chain(e, strip);
        let Expr::Path(p) = base else { return None };
        if p.qself.is_some() {
            return None;
        }
        let path = if let Some(id) = p.path.get_ident() {
            let name = id.to_string();
            if name == "self" {
                LockPath::SelfField {
                    ty: self.scope.self_ty.clone()?,
                    fields,
                }
            } else if let Some(b) = self.lookup(&name) {
                match &b.alias {
                    Some((alias, _)) => alias.with_fields(&fields),
                    None => LockPath::Local {
                        function: self.scope.id,
                        path: if fields.is_empty() {
                            name
                        } else {
                            format!("{name}.{fields}")
                        },
                    },
                }
            } else if let Some(index) = self.scope.params.iter().position(|p| *p == name) {
                LockPath::Param { index, fields }
            } else {
                LockPath::Static(name).with_fields(&fields)
            }
        } else {
            let last = p.path.segments.last()?.ident.to_string();
            LockPath::Static(last).with_fields(&fields)
        };
        Some((path, text))
    }

    /// What the declared types say the lock at `lock` (a path as `lock_path` gives it) is;
    /// `None` where no type is visible.
    /// The struct of the crate the value at `path` is, by its declared type (a field's, a
    /// static's, a parameter's, a `let`'s): `Some(key)` when that type is a struct of the crate
    /// that is not a lock.
    pub(super) fn declared_struct(&self, path: &LockPath) -> Option<String> {
        let d = &self.scope.declared;
        let t = match path {
            LockPath::SelfField { ty, fields } => d.field_path(ty, fields)?,
            LockPath::Static(path) => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                let t = d.statics.get(name)?;
                if fields.is_empty() {
                    t
                } else {
                    d.field_path(&t.key, fields)?
                }
            }
            LockPath::Param { index, fields } => {
                let t = self.scope.param_types.get(*index)?.as_ref()?;
                if fields.is_empty() {
                    t
                } else {
                    d.field_path(&t.key, fields)?
                }
            }
            LockPath::Local { path, .. } => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                let t = self.lookup(name)?.declared.as_ref()?;
                if fields.is_empty() {
                    t
                } else {
                    d.field_path(&t.key, fields)?
                }
            }
            LockPath::Class(_) => return None,
        };
        (d.kind(t) == Some(LockKind::NotALock)).then(|| t.key.clone())
    }

    pub(super) fn declared_kind(&self, lock: &LockPath) -> Option<LockKind> {
        let d = &self.scope.declared;
        match lock {
            LockPath::SelfField { ty, fields } => d.field_path(ty, fields).and_then(|t| d.kind(t)),
            LockPath::Static(path) => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                d.kind_through(d.statics.get(name)?, fields)
            }
            LockPath::Param { index, fields } => {
                d.kind_through(self.scope.param_types.get(*index)?.as_ref()?, fields)
            }
            LockPath::Local { path, .. } => {
                let (name, fields) = path.split_once('.').unwrap_or((path, ""));
                d.kind_through(self.lookup(name)?.declared.as_ref()?, fields)
            }
            LockPath::Class(_) => None,
        }
    }

    /// Binds a pattern to a value: guards to the names that own them; what no name owns is a
    /// temporary of the statement.
    pub(super) fn bind_pattern(&mut self, pat: &Pat, v: Val, alias: Option<(LockPath, String)>) {
        let names = pattern_idents(pat);
        match (pat, v) {
            (Pat::Wild(_), v) => self.temp(v),
            (Pat::Tuple(t), Val::Guards(ids)) if t.elems.len() == ids.len() => {
                for (p, id) in t.elems.iter().zip(ids) {
                    self.bind_pattern(p, Val::Guard(id), None);
                }
            }
            (_, Val::Guard(id)) if names.len() == 1 => {
                self.bind(names[0].clone(), Some(id), None);
            }
            // `let ctx = Ctx { a: a.lock(), b: b.lock() };`: the value owns both guards.
            (Pat::Ident(_) | Pat::Type(_), Val::Guards(ids)) if names.len() == 1 => {
                self.bind_guards(names[0].clone(), ids, None);
            }
            (_, v) => {
                self.temp(v);
                let single = names.len() == 1 && matches!(pat, Pat::Ident(_) | Pat::Type(_));
                for n in names {
                    self.bind(n, None, if single { alias.clone() } else { None });
                }
            }
        }
    }
}
