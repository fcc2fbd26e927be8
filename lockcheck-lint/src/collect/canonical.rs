//! Lock paths in their canonical form: one lock has one name wherever it is reached from (a
//! lock class, as lockdep names them).

use crate::model::{Crate, Event, Function, LockPath};

impl Crate {
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
    /// wherever it is reached from: a lock class, as lockdep names them. Not through a field
    /// that shares its struct type with another field of the same struct: two instances.
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
            // Not through one of two fields of the same struct type (`log_queue_wait` and
            // `flush_worker_wait`, both `WaitCondvar`s): they are two instances, whose locks
            // are two locks, as two parameters of one type are (`canonical_in`).
            let siblings = self
                .field_types
                .range((ty.clone(), String::new())..)
                .take_while(|((t, _), _)| *t == ty)
                .filter(|(_, t)| *t == target)
                .count();
            if siblings > 1 {
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
    pub(super) fn canonicalise(&mut self, krate: &Crate) {
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
