//! Reading a crate's source into the [model](crate::model): one pass of syn's visitor per file
//! collects the functions (with their contracts, parsed with the grammar the macros use, and the
//! events of their bodies, from `guards.rs`), the classes of locks built with `named("..")`, and
//! the declared rank tables. Test-only code (`#[cfg(test)]`) is skipped.

use lockcheck_syntax::contract::{parse_attr, ContractKind, Need};
use lockcheck_syntax::ranks::table_text;
use syn::visit::Visit;

use crate::guards;
use crate::lock_kind::{async_imports, Declared, DeclaredType, LockKind};
use crate::model::{
    Contract, Crate, DeclaredRanks, Event, Function, LockPath, ParseError, SourceFile, Span,
};
use crate::type_keys::TypeKeys;
use crate::Edition;

impl Crate {
    /// Reads and models `files` (their text already loaded). A file that does not parse is
    /// recorded in [`Crate::parse_errors`]; the others are modelled, with the temporary-scope
    /// rules of `edition`.
    pub fn build(files: Vec<SourceFile>, edition: Edition) -> Crate {
        let mut krate = Crate {
            files,
            edition,
            ..Crate::default()
        };
        let mut asts = Vec::new();
        let included = included_files(&krate.files);
        for index in 0..krate.files.len() {
            if included.contains(&lexically_normal(&krate.files[index].path)) {
                // `include!("pcis.rs")`: an expression or items pasted into another file, not a
                // module of its own (and often not a whole file's syntax).
                continue;
            }
            match syn::parse_file(&krate.files[index].text) {
                Ok(ast) => asts.push((index, ast)),
                Err(e) => krate.parse_errors.push(ParseError {
                    span: Span::of(index, e.span()),
                    // syn reads the syntax of editions 2018 and later: say so when the crate
                    // is older, the likeliest cause (`async` or `dyn` as a name, `try!`).
                    message: if edition == Edition::E2015 {
                        format!("{e} (the crate is Rust 2015, whose syntax the lint does not read)")
                    } else {
                        e.to_string()
                    },
                }),
            }
        }
        // The type names, module by module: two modules' `Inner` are two types.
        let modules: Vec<String> = krate
            .files
            .iter()
            .map(|f| TypeKeys::module_of_file(&f.path))
            .collect();
        let keys = std::rc::Rc::new(TypeKeys::collect(
            asts.iter().map(|(i, ast)| (modules[*i].clone(), ast)),
        ));
        // Then the accessors (`fn deposits(&self) -> &RwLock<..> { &self.inner.cache }`), from
        // every file: a body anywhere may lock through one. With them, the declared types of
        // fields and statics and the files' async imports.
        let mut accessors = Declarations {
            file: 0,
            place: Place::new(&keys),
            self_ty: Vec::new(),
            found: guards::AccessorMap::default(),
            guard_returners: guards::GuardReturners::default(),
            declared: Declared::default(),
        };
        for (index, ast) in &asts {
            accessors.file = *index;
            accessors.place.module = vec![modules[*index].clone()];
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
        for (index, ast) in &asts {
            let mut collector = Collector {
                krate: &mut krate,
                file: *index,
                place: Place::new(&keys),
                keys: std::rc::Rc::clone(&keys),
                self_ty: Vec::new(),
                trait_impl: Vec::new(),
                accessors: std::rc::Rc::clone(&accessors),
                guard_returners: std::rc::Rc::clone(&guard_returners),
                declared: std::rc::Rc::clone(&declared),
            };
            collector.place.module = vec![modules[*index].clone()];
            collector.visit_file(ast);
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

    /// A lock path of `f`'s body in its canonical form: a lock of a parameter that points to a
    /// struct of the crate (`dev.lock`, `dev: &Device`) is that struct's, unless another
    /// parameter (or `self`) has the same type (`fn transfer(a: &Account, b: &Account)` takes
    /// two accounts' locks, not one twice); then [`Crate::canonical`].
    pub fn canonical_in(&self, f: &Function, lock: LockPath) -> LockPath {
        let lock = match lock {
            LockPath::Param { index, fields } if !fields.is_empty() => {
                let ty = f.param_types.get(index).cloned().flatten().filter(|ty| {
                    let unique = f.param_types.iter().flatten().filter(|t| *t == ty).count() == 1;
                    self.structs.contains(ty) && unique && f.self_ty.as_ref() != Some(ty)
                });
                match ty {
                    Some(ty) => LockPath::SelfField { ty, fields },
                    None => LockPath::Param { index, fields },
                }
            }
            other => other,
        };
        self.canonical(lock)
    }

    /// A lock path in its canonical form (see [`Crate::canonical_in`] for the parameters of a
    /// function): a field path on `self` that goes through a field whose declared type is
    /// another struct of the crate is that struct's field (`Queue`'s `self.device.trackers`,
    /// `device: Arc<Device>` → `Device`'s `self.trackers`), so that one lock has one name
    /// wherever it is reached from: a lock class, as lockdep names them.
    pub fn canonical(&self, lock: LockPath) -> LockPath {
        let LockPath::SelfField { mut ty, mut fields } = lock else {
            return lock;
        };
        // Not into a type already passed through: `self.parent.lock` of a `Node` whose
        // `parent: Arc<Node>` is another node's lock, not this one's `self.lock`.
        let mut seen = vec![ty.clone()];
        while let Some((first, rest)) = fields.split_once('.') {
            let Some(target) = self.field_types.get(&(ty.clone(), first.to_owned())) else {
                break;
            };
            if seen.contains(target) {
                break;
            }
            seen.push(target.clone());
            ty = target.clone();
            fields = rest.to_owned();
        }
        LockPath::SelfField { ty, fields }
    }
}

impl Function {
    /// Every lock path of the function's body in its [canonical](Crate::canonical_in) form.
    /// (Contracts and call arguments keep their parameter paths: callers translate them to
    /// their own arguments.)
    fn canonicalise(&mut self, krate: &Crate) {
        let mut events = std::mem::take(&mut self.events);
        let mut requires = std::mem::take(&mut self.requires);
        let mut excludes = std::mem::take(&mut self.excludes);
        let me = &*self;
        let body = |l: &mut LockPath| {
            *l = krate.canonical_in(me, std::mem::replace(l, LockPath::Class(String::new())));
        };
        let keep_params = |l: &mut LockPath| {
            *l = krate.canonical(std::mem::replace(l, LockPath::Class(String::new())));
        };
        for contract in requires.iter_mut().chain(excludes.iter_mut()) {
            if let Some(l) = &mut contract.lock {
                keep_params(l);
            }
        }
        for e in &mut events {
            match e {
                Event::Acquire { lock, held, .. } => {
                    body(lock);
                    held.iter_mut().for_each(|h| body(&mut h.lock));
                }
                Event::Call { args, held, .. } => {
                    args.iter_mut().flatten().for_each(keep_params);
                    held.iter_mut().for_each(|h| body(&mut h.lock));
                }
                Event::AssertHeld { lock, .. } => {
                    if let Some(l) = lock {
                        keep_params(l);
                    }
                }
            }
        }
        self.requires = requires;
        self.excludes = excludes;
        self.events = events;
    }
}

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

/// `src/a/../b.rs` → `src/b.rs`, without touching the file system.
fn lexically_normal(p: &std::path::Path) -> std::path::PathBuf {
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
                let segments = guards::segments(&p.path);
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

struct Collector<'a> {
    krate: &'a mut Crate,
    file: usize,
    place: Place<'a>,
    keys: std::rc::Rc<TypeKeys>,
    self_ty: Vec<Option<String>>,
    /// For each enclosing `impl`: whether it implements a trait.
    trait_impl: Vec<bool>,
    accessors: std::rc::Rc<guards::AccessorMap>,
    guard_returners: std::rc::Rc<guards::GuardReturners>,
    declared: std::rc::Rc<Declared>,
}

/// The pre-pass: one-expression accessors that return a lock: `fn x(&self) -> &Mutex<..> {
/// &self.a.b }` (also `-> &Arc<RwLock<..>>`, `-> Arc<..> { self.a.clone() }`), keyed by `Self` type and name,
/// with the field path they return.
///
/// Also the declared types bodies need before they are walked: every struct's fields, every
/// static, and each file's imports from async crates ([`Declared`]).
struct Declarations<'k> {
    file: usize,
    place: Place<'k>,
    self_ty: Vec<Option<String>>,
    found: guards::AccessorMap,
    guard_returners: guards::GuardReturners,
    declared: Declared,
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
        syn::visit::visit_item_impl(self, i);
        self.self_ty.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let Some(ty) = self.self_ty.last().cloned().flatten() else {
            return;
        };
        let only_self = f.sig.inputs.len() == 1 && f.sig.receiver().is_some();
        let returned = match &f.sig.output {
            syn::ReturnType::Type(_, t) => quote::ToTokens::to_token_stream(t).to_string(),
            syn::ReturnType::Default => String::new(),
        };
        let names = |words: &[&str]| {
            returned
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| words.contains(&w))
        };
        let [syn::Stmt::Expr(e, None)] = f.block.stmts.as_slice() else {
            return;
        };
        if !only_self {
            return;
        }
        let key = (ty, f.sig.ident.to_string());
        if names(&[
            "MutexGuard",
            "RwLockReadGuard",
            "RwLockWriteGuard",
            "ReentrantMutexGuard",
        ]) {
            if let Some(acquisition) = guards::returned_acquisition(e) {
                self.guard_returners.insert(key, acquisition);
            }
        } else if names(&["Mutex", "RwLock", "ReentrantMutex", "ReentrantLock"]) {
            if let Some(fields) = guards::self_field_path(e) {
                self.found.insert(key, fields);
            }
        }
    }
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
            let (line, table) =
                table_text(&mac.tokens).unwrap_or_else(|| (span.line, mac.tokens.to_string()));
            match lockcheck_ranks::RankTable::parse_at(&origin, line as u32, &table) {
                Ok(table) => self.krate.ranks.push(DeclaredRanks { table, span }),
                Err(e) => self.krate.rank_errors.push((span, e.to_string())),
            }
        }
    }
}

/// `#[cfg(test)]`: test code deliberately misuses locks and rank tables; the lint reads the
/// code that ships.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| guards::is_test_cfg(&m))
    })
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
        let segments = guards::segments(&e.path);
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
                let segs = guards::segments(&p.path);
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
