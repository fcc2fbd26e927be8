//! The main pass: each function with its contracts and the events of its body, and what the
//! crate says of its locks outside bodies (classes named with `named("..")`, where locks are
//! built, declared rank tables).

use lockcheck_syntax::contract::{parse_attr, ContractKind, Need};
use lockcheck_syntax::ranks::table_text;
use syn::visit::Visit;

use super::Place;
use crate::accessors::{AccessorMap, GuardReturners};
use crate::guards;
use crate::lock_kind::{Declared, DeclaredType};
use crate::model::{Contract, Crate, DeclaredRanks, Function, LockPath, Span};
use crate::syntax_utils::cfg::is_test_only;
use crate::syntax_utils::exprs::segments;
use crate::type_keys::TypeKeys;

pub(super) struct Collector<'a> {
    pub(super) krate: &'a mut Crate,
    pub(super) file: usize,
    pub(super) place: Place<'a>,
    pub(super) keys: std::rc::Rc<TypeKeys>,
    pub(super) self_ty: Vec<Option<String>>,
    /// For each enclosing `impl`: whether it implements a trait.
    pub(super) trait_impl: Vec<bool>,
    pub(super) accessors: std::rc::Rc<AccessorMap>,
    pub(super) guard_returners: std::rc::Rc<GuardReturners>,
    pub(super) declared: std::rc::Rc<Declared>,
}

impl Collector<'_> {
    fn function(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: Option<&syn::Block>,
        exposed: bool,
    ) {
        let self_ty = self.self_ty.last().cloned().flatten();
        let id = self.krate.functions.len();
        let params: Vec<String> = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(match &*t.pat {
                    syn::Pat::Ident(i) => i.ident.to_string(),
                    _ => String::new(),
                }),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        // The type each parameter points to (`dev: &Device`, `Arc<Device>` → `Device`).
        let declared_params: Vec<Option<DeclaredType>> = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(self.place.declared(&t.ty, self.file)),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let param_types: Vec<Option<String>> = declared_params
            .iter()
            .map(|d| d.as_ref().map(|d| d.key.clone()))
            .collect();
        let has_self = sig.receiver().is_some();
        let exclusive_self = sig.receiver().is_some_and(|r| match &r.reference {
            Some(_) => r.mutability.is_some(),
            None => r.colon_token.is_none(),
        });
        let scope = guards::FnScope {
            id,
            file: self.file,
            self_ty: self_ty.clone(),
            params: params.clone(),
            edition: self.krate.edition,
            param_types: declared_params,
            declared: std::rc::Rc::clone(&self.declared),
            module: self.place.here(),
            keys: std::rc::Rc::clone(&self.keys),
            accessors: std::rc::Rc::clone(&self.accessors),
            guard_returners: std::rc::Rc::clone(&self.guard_returners),
        };
        // A contract that does not parse is skipped: the macro makes it a compile error.
        let scope = &scope;
        let contracts = |kind: ContractKind| -> Vec<Contract> {
            attrs
                .iter()
                .filter(|a| kind.names(a))
                .flat_map(|a| {
                    let span = Span::of_tokens(self.file, a);
                    let locks = parse_attr(kind, a)
                        .map(|args| args.locks)
                        .unwrap_or_default();
                    locks.into_iter().map(move |arg| Contract {
                        lock: scope.contract_path(&arg.expr),
                        text: arg.text(),
                        read: arg.need == Need::Read,
                        write: arg.need == Need::Write,
                        span,
                    })
                })
                .collect()
        };
        let requires = contracts(ContractKind::Requires);
        let excludes = contracts(ContractKind::Excludes);
        let events = body.map(|b| guards::walk(scope, b)).unwrap_or_default();
        let name = match &self_ty {
            Some(t) => format!("{t}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        self.krate.functions.push(Function {
            name,
            ident: sig.ident.to_string(),
            self_ty,
            has_self,
            exclusive_self,
            exposed,
            params,
            param_types,
            span: Span::of(self.file, sig.ident.span()),
            requires,
            excludes,
            events,
        });
    }

    /// `static X: Mutex<T> = Mutex::named("x", ..)` and struct literal fields `f: Mutex::named(..)`.
    fn named_class(expr: &syn::Expr) -> Option<String> {
        let syn::Expr::Call(call) = expr else {
            return None;
        };
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        if p.path.segments.last()?.ident != "named" {
            return None;
        }
        match call.args.first()? {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        }
    }

    fn rank_macro(&mut self, mac: &syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "lock_ranks")
        {
            let span = Span::of_tokens(self.file, mac);
            let origin = self.krate.files[self.file].path.display().to_string();
            // The table's own text, lines and `#` comments kept, as the macro reads it.
            let (line, table) = table_text(&mac.tokens)
                .map(|(line, text)| (line + crate::model::line_offset(), text))
                .unwrap_or_else(|| (span.line, mac.tokens.to_string()));
            match lockcheck_ranks::RankTable::parse_at(&origin, line as u32, &table) {
                Ok(table) => self.krate.ranks.push(DeclaredRanks { table, span }),
                Err(e) => self.krate.rank_errors.push((span, e.to_string())),
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        let attrs = match i {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(im) => &im.attrs,
            _ => return syn::visit::visit_item(self, i),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, i);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.self_ty.push(None);
        let exposed = matches!(f.vis, syn::Visibility::Public(_));
        self.function(&f.attrs, &f.sig, Some(&f.block), exposed);
        syn::visit::visit_item_fn(self, f);
        self.self_ty.pop();
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.self_ty.push(None);
        self.place.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.place.module.pop();
        self.self_ty.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.self_ty.push(self.place.type_key(&i.self_ty));
        self.trait_impl.push(i.trait_.is_some());
        syn::visit::visit_item_impl(self, i);
        self.trait_impl.pop();
        self.self_ty.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        // A trait's method can be called from outside the crate whatever its visibility.
        let exposed = matches!(f.vis, syn::Visibility::Public(_))
            || self.trait_impl.last().copied().unwrap_or(false);
        self.function(&f.attrs, &f.sig, Some(&f.block), exposed);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.self_ty
            .push(Some(self.place.key(&[t.ident.to_string()])));
        syn::visit::visit_item_trait(self, t);
        self.self_ty.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.function(&f.attrs, &f.sig, f.default.as_ref(), true);
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.krate.lock_sites.push((
            Span::of_tokens(self.file, s),
            LockPath::Static(s.ident.to_string()),
        ));
        if let Some(class) = Self::named_class(&s.expr) {
            self.krate
                .class_names
                .insert(LockPath::Static(s.ident.to_string()), class);
        }
        syn::visit::visit_item_static(self, s);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        let segments = segments(&e.path);
        if !segments.is_empty() {
            let ty = if segments == ["Self"] {
                self.self_ty
                    .last()
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "Self".to_owned())
            } else {
                self.place.key(&segments)
            };
            for f in &e.fields {
                if let syn::Member::Named(name) = &f.member {
                    // Where a lock of this field may be built: a run-time class made here is
                    // this field's lock.
                    self.krate.lock_sites.push((
                        Span::of_tokens(self.file, &f.expr),
                        LockPath::SelfField {
                            ty: ty.clone(),
                            fields: name.to_string(),
                        },
                    ));
                }
                if let (syn::Member::Named(name), Some(class)) =
                    (&f.member, Self::named_class(&f.expr))
                {
                    self.krate.class_names.insert(
                        LockPath::SelfField {
                            ty: ty.clone(),
                            fields: name.to_string(),
                        },
                        class,
                    );
                }
            }
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.rank_macro(m);
        syn::visit::visit_macro(self, m);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        // `RankTable::parse("a < b;")` / `parse_from(origin, "...")` with a literal table.
        if let syn::Expr::Call(call) = e {
            if let syn::Expr::Path(p) = &*call.func {
                let segs = segments(&p.path);
                let n = segs.len();
                if n >= 2
                    && segs[n - 2] == "RankTable"
                    && (segs[n - 1] == "parse" || segs[n - 1] == "parse_from")
                {
                    if let Some(syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    })) = call.args.last()
                    {
                        let span = Span::of_tokens(self.file, call);
                        let origin = self.krate.files[self.file].path.display().to_string();
                        match lockcheck_ranks::RankTable::parse_at(
                            &origin,
                            span.line as u32,
                            &s.value(),
                        ) {
                            Ok(table) => self.krate.ranks.push(DeclaredRanks { table, span }),
                            Err(err) => self.krate.rank_errors.push((span, err.to_string())),
                        }
                    }
                }
            }
        }
        syn::visit::visit_expr(self, e);
    }
}
