//! The pre-pass over every file: what bodies need before they are walked, since a body
//! anywhere may lock through an accessor or a field of any file.

use syn::visit::Visit;

use super::Place;
use lockcheck_syntax::methods::AcquireMethod;

use crate::accessors::{accessor, receiver_acquirer, Accessor, AccessorMap, GuardReturners};
use crate::lock_kind::{async_imports, return_type, Declared};
use crate::syntax_utils::cfg::is_test_only;

/// The pre-pass: the lock accessors (`accessors.rs`), keyed by `Self` type and name; and the
/// declared types bodies need before they are walked: every struct's fields, every static, and
/// each file's imports from async crates ([`Declared`]).
pub(super) struct Declarations<'k> {
    pub(super) file: usize,
    pub(super) place: Place<'k>,
    pub(super) self_ty: Vec<Option<String>>,
    /// Accessors that return a lock.
    pub(super) found: AccessorMap,
    pub(super) guard_returners: GuardReturners,
    pub(super) declared: Declared,
}

impl<'ast> Visit<'ast> for Declarations<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.place.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.place.module.pop();
    }

    fn visit_item(&mut self, i: &'ast syn::Item) {
        let attrs = match i {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(im) => &im.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Trait(t) => &t.attrs,
            _ => return syn::visit::visit_item(self, i),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, i);
        }
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let name = self.place.key(&[s.ident.to_string()]);
        self.declared.structs.insert(name.clone());
        for f in &s.fields {
            let Some(field) = &f.ident else { continue };
            // A field whose type can be shared beyond one instance (`Arc`, `Rc`, `Weak`, a
            // reference): a lock under it is not owned by its instance alone.
            let ty = quote::ToTokens::to_token_stream(&f.ty).to_string();
            let shared = ty.contains('&')
                || ty
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| matches!(w, "Arc" | "Rc" | "Weak"));
            if shared {
                self.declared
                    .shared_fields
                    .insert((name.clone(), field.to_string()));
            }
            if let Some(t) = self.place.declared(&f.ty, self.file) {
                self.declared
                    .fields
                    .insert((name.clone(), field.to_string()), t);
            }
        }
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if let Some(t) = self.place.declared(&s.ty, self.file) {
            self.declared.statics.insert(s.ident.to_string(), t);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        async_imports(u, self.declared.async_names.entry(self.file).or_default());
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.self_ty.push(self.place.type_key(&i.self_ty));
        // A trait impl's methods are named after the trait's (`clone`, `from`, `deref`): their
        // names say nothing of what a call on another receiver returns.
        if i.trait_.is_none() {
            for item in &i.items {
                if let syn::ImplItem::Fn(f) = item {
                    if !is_test_only(&f.attrs) {
                        self.record_return(&f.sig, Some(&i.self_ty));
                    }
                }
            }
        }
        syn::visit::visit_item_impl(self, i);
        self.self_ty.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.record_return(&f.sig, None);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        for item in &t.items {
            if let syn::TraitItem::Fn(f) = item {
                if !is_test_only(&f.attrs) {
                    self.record_return(&f.sig, None);
                    if let Some(method) = f
                        .default
                        .as_ref()
                        .and_then(|b| receiver_acquirer(&f.sig, b))
                    {
                        self.record_acquirer(f.sig.ident.to_string(), method);
                    }
                }
            }
        }
        syn::visit::visit_item_trait(self, t);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if let Some(method) = receiver_acquirer(&f.sig, &f.block) {
            self.record_acquirer(f.sig.ident.to_string(), method);
        }
        let Some(ty) = self.self_ty.last().cloned().flatten() else {
            return;
        };
        let key = (ty, f.sig.ident.to_string());
        match accessor(f) {
            Some(Accessor::Lock(fields)) => {
                self.found.insert(key, fields);
            }
            Some(Accessor::Guard(fields, method)) => {
                self.guard_returners.insert(key, (fields, method));
            }
            None => {}
        }
    }
}

impl Declarations<'_> {
    /// A method of the crate that acquires its receiver (`accessors::receiver_acquirer`). A
    /// name that is already an acquiring method is left to the list; two definitions that
    /// disagree on how they take it say nothing.
    fn record_acquirer(&mut self, name: String, method: AcquireMethod) {
        if lockcheck_syntax::methods::acquire_method(&name, 0).is_some() {
            return;
        }
        let entry = self.declared.acquirers.entry(name).or_insert(Some(method));
        if entry.as_ref().is_some_and(|m| m.name != method.name) {
            *entry = None;
        }
    }

    /// What a function of the crate returns, by name (`Declared::returns`).
    fn record_return(&mut self, sig: &syn::Signature, self_ty: Option<&syn::Type>) {
        let ty = return_type(&sig.output).and_then(|t| match (t, self_ty) {
            (syn::Type::Path(p), Some(s)) if p.path.is_ident("Self") => {
                self.place.declared(s, self.file)
            }
            (t, _) => self.place.declared(t, self.file),
        });
        self.declared.record_return(sig.ident.to_string(), ty);
    }
}
