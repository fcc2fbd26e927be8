//! The per-thread held stack: which locks this thread holds, and how it took them.
//!
//! Why a stack: locks are usually released in the reverse order they were taken, so the entry to
//! remove is almost always the top one, and the order of the entries is the order of acquisition,
//! which is what a report shows. Guards may still be dropped in any order; removal searches from
//! the top.
//!
//! Why not a plain `thread_local!` of a `Vec`: a thread-local with a destructor is gone during
//! thread teardown, and teardown is exactly where Go's `dropm` runs. The state here has no
//! destructor (`ManuallyDrop`), so it stays usable until the thread is gone; `exit.rs` reports
//! locks still held once the thread's own destructors have run, and frees the buffers. A lock
//! used after that (a later destructor) arms the thread again.
//!
//! The state's fields are private: the held stack and the edge cache change only through
//! [`ThreadState`]'s methods (tracing-mutex's `mark_held`/`mark_released`), so the cache cannot be
//! updated by convention only.

use std::cell::{Cell, UnsafeCell};
use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;
use std::panic::Location;

use crate::class::{self, LockKey};
use crate::internal::Internal;
use crate::violation::{LockUse, Site, Violation, ViolationKind};

/// How a lock is held.
///
/// # Examples
///
/// ```
/// use lockcheck_runtime::{Mode, RwLock};
///
/// let l = RwLock::new(());
/// let _r = l.read();
/// let expected = if lockcheck_runtime::ENABLED { Some(Mode::Shared) } else { None };
/// assert_eq!(l.held_mode(), expected);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Mode {
    /// A `Mutex`, or an `RwLock` taken for writing.
    Exclusive,
    /// An `RwLock` taken for reading.
    Shared,
}

impl Mode {
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Mode::Exclusive => "lock",
            Mode::Shared => "read",
        }
    }
}

/// One acquisition: an entry of the held stack, and what the protocol checks before it is one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeldLock {
    /// The lock instance's identity: the address of its class field (stable while it is held: a
    /// guard borrows the lock).
    pub(crate) instance: usize,
    /// The lock key and the mode, in one word: the entry is written with whole-word stores,
    /// so copying it into the held stack never waits on a store that wrote half a word (a
    /// failed store forward costs more than the rest of the acquisition).
    key_mode: u64,
    /// Where it was taken.
    pub(crate) site: &'static Location<'static>,
}

impl HeldLock {
    /// An acquisition of `key` in `mode` at `site`, of the lock at `instance`.
    #[inline(always)]
    pub(crate) fn new(
        instance: usize,
        key: LockKey,
        mode: Mode,
        site: &'static Location<'static>,
    ) -> Self {
        let mode = match mode {
            Mode::Exclusive => 0,
            Mode::Shared => 1u64 << 32,
        };
        HeldLock {
            instance,
            key_mode: u64::from(key.as_u32()) | mode,
            site,
        }
    }

    /// The lock key.
    #[inline(always)]
    pub(crate) fn key(&self) -> LockKey {
        LockKey::from_u32(self.key_mode as u32)
    }

    /// How it is held.
    #[inline(always)]
    pub(crate) fn mode(&self) -> Mode {
        if (self.key_mode >> 32) & 1 == 0 {
            Mode::Exclusive
        } else {
            Mode::Shared
        }
    }

    /// The same acquisition, of an async lock (`lockcheck::tokio`): one a task may hold across
    /// an `.await`.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    pub(crate) fn of_async_lock(mut self) -> Self {
        self.key_mode |= ASYNC_LOCK;
        self
    }

    #[cfg(feature = "tokio")]
    /// Whether it is an async lock's (`lockcheck::tokio`), which a task may hold across an
    /// `.await`; every other lockcheck lock blocks its thread.
    #[inline(always)]
    pub(crate) fn is_async_lock(&self) -> bool {
        self.key_mode & ASYNC_LOCK != 0
    }

    /// The same entry in another mode (a downgrade), its other bits kept.
    pub(crate) fn with_mode(self, mode: Mode) -> Self {
        let shared = match mode {
            Mode::Exclusive => 0,
            Mode::Shared => 1u64 << 32,
        };
        HeldLock {
            key_mode: (self.key_mode & !(1u64 << 32)) | shared,
            ..self
        }
    }

    /// The lock as a report speaks of it.
    pub(crate) fn lock_use(&self) -> LockUse {
        LockUse {
            class: class::key_name(self.key()),
            mode: self.mode(),
            site: Site::from(self.site),
        }
    }
}

/// The `key_mode` bit of an async lock's entry.
#[cfg(feature = "tokio")]
const ASYNC_LOCK: u64 = 1u64 << 33;

/// A multiply-xorshift hasher for the edge cache: keys are already well-spread `u64`s, and this
/// is on the nested-acquisition path, where SipHash would cost more than the lock itself.
#[derive(Default)]
pub(crate) struct EdgeHasher(u64);

impl Hasher for EdgeHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        let x = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

pub(crate) type EdgeSet = HashSet<u64, BuildHasherDefault<EdgeHasher>>;
/// A map keyed by lock keys or edge words, hashed like [`EdgeSet`].
pub(crate) type KeyMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<EdgeHasher>>;

/// Slots of the per-thread direct-mapped edge cache (a power of two).
pub(crate) const RECENT_EDGES: usize = 256;

/// The order edges this thread has already seen accepted into the global graph (lockdep's chain
/// cache, per edge). Edges are never removed from the graph, so an entry never goes stale; the
/// epoch drops the whole cache when a new rank table must re-check every edge.
pub(crate) struct EdgeCache {
    /// Every known edge whose gate is empty.
    known: EdgeSet,
    /// Known edges with a gate (`gates.rs`): known only while every lock of the gate is held
    /// (an observation without it must reach the graph, which may then report a cycle).
    gated: KeyMap<u64, Vec<LockKey>>,
    /// A direct-mapped front for `known`: one multiply, one load, one compare per held lock on
    /// the nested-acquisition path. 0 is never an edge (class ids start at 1).
    recent: [u64; RECENT_EDGES],
    /// The same for edges whose gate is one lock (the usual gate: the outermost lock of a
    /// three-deep nesting): the edge and its gate's key, probed only when `recent` misses.
    recent_gated: [(u64, u32); RECENT_EDGES],
    /// Edges reported at an acquisition site, by edge word and site address: not asked about
    /// again at that site (`check::refused`).
    refused: KeyMap<(u64, usize), ()>,
    epoch: u64,
}

impl EdgeCache {
    const fn new() -> Self {
        EdgeCache {
            known: HashSet::with_hasher(BuildHasherDefault::new()),
            gated: std::collections::HashMap::with_hasher(BuildHasherDefault::new()),
            recent: [0; RECENT_EDGES],
            recent_gated: [(0, 0); RECENT_EDGES],
            refused: std::collections::HashMap::with_hasher(BuildHasherDefault::new()),
            epoch: 0,
        }
    }

    /// Whether this thread knows `edge` while holding `held`: the direct-mapped caches inline
    /// (an ungated edge: one compare; a one-lock gate: one more, and the gate looked up in the
    /// held stack), then the set and the gated map out of line (promoting a hit).
    #[inline(always)]
    fn knows(&mut self, edge: u64, held: &[HeldLock]) -> bool {
        let slot = (edge.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % RECENT_EDGES;
        if self.recent[slot] == edge {
            return true;
        }
        let (gated, gate) = self.recent_gated[slot];
        if gated == edge && held.iter().any(|h| h.key().as_u32() == gate) {
            return true;
        }
        self.knows_slow(edge, slot, held)
    }

    #[cold]
    #[inline(never)]
    fn knows_slow(&mut self, edge: u64, slot: usize, held: &[HeldLock]) -> bool {
        if self.known.contains(&edge) {
            self.recent[slot] = edge;
            return true;
        }
        match self.gated.get(&edge) {
            Some(gate) if holds_all(held, gate) => {
                if let [one] = gate.as_slice() {
                    self.recent_gated[slot] = (edge, one.as_u32());
                }
                true
            }
            _ => false,
        }
    }

    /// Brings the cache up to the global epoch (a new rank table empties it).
    #[inline(always)]
    fn sync_epoch(&mut self, epoch: u64) {
        if self.epoch != epoch {
            self.forget(epoch);
        }
    }

    #[cold]
    fn forget(&mut self, epoch: u64) {
        self.known.clear();
        self.gated.clear();
        self.refused.clear();
        self.recent = [0; RECENT_EDGES];
        self.recent_gated = [(0, 0); RECENT_EDGES];
        self.epoch = epoch;
    }
}

/// Whether `held` holds a lock of every key of `gate`.
fn holds_all(held: &[HeldLock], gate: &[LockKey]) -> bool {
    gate.iter().all(|k| held.iter().any(|h| h.key() == *k))
}

/// Everything lockcheck keeps per thread.
pub(crate) struct ThreadState {
    /// The thread's own held stack.
    own: Vec<HeldLock>,
    /// With the `tokio` feature: the held stack this borrow works on, when it is not the
    /// thread's own (a task's, a checked future's: `task.rs`); null: the thread's own.
    #[cfg(feature = "tokio")]
    active: *mut Vec<HeldLock>,
    edges: EdgeCache,
    /// The thread's handle, taken when it first holds a lock (never in its teardown, where
    /// `std::thread::current()` may not be usable), for its name in reports.
    thread: Option<std::thread::Thread>,
    /// Whether the thread-exit report is armed for this thread (`exit.rs`).
    armed: bool,
    /// The thread's name as edges keep it (interned, bounded), computed on first need.
    thread_name: Option<&'static str>,
    /// The last tokio task this thread took or released a lock for (`task.rs`).
    #[cfg(feature = "tokio")]
    tasks: crate::task::TaskCache,
}

impl ThreadState {
    const fn new() -> Self {
        ThreadState {
            own: Vec::new(),
            #[cfg(feature = "tokio")]
            active: std::ptr::null_mut(),
            edges: EdgeCache::new(),
            thread: None,
            armed: false,
            thread_name: None,
            #[cfg(feature = "tokio")]
            tasks: crate::task::TaskCache::new(),
        }
    }

    /// The held stack, first taken first.
    #[inline(always)]
    pub(crate) fn held(&self) -> &[HeldLock] {
        self.stack()
    }

    /// The held stack this borrow works on: the thread's own, or (feature `tokio`) a task's.
    #[inline(always)]
    fn stack(&self) -> &Vec<HeldLock> {
        #[cfg(feature = "tokio")]
        if !self.active.is_null() {
            // SAFETY: set for this borrow only, to a stack `task::owner` claimed for it.
            return unsafe { &*self.active };
        }
        &self.own
    }

    /// [`stack`](Self::stack), mutably.
    #[inline(always)]
    fn stack_mut(&mut self) -> &mut Vec<HeldLock> {
        #[cfg(feature = "tokio")]
        if !self.active.is_null() {
            // SAFETY: as in `stack`.
            return unsafe { &mut *self.active };
        }
        &mut self.own
    }

    /// Records that the lock is now held. The hot path is a capacity check and the stores;
    /// growing the stack (the thread's first lock, or a deeper nesting than before) is out of
    /// line, and is also where this thread's exit report gets armed (`exit.rs`): a thread that never held
    /// a lock has nothing to reap.
    #[inline(always)]
    pub(crate) fn mark_held(&mut self, entry: HeldLock) {
        let stack = self.stack_mut();
        if stack.len() == stack.capacity() {
            self.grow();
        }
        self.stack_mut().push(entry);
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        self.stack_mut().reserve(8);
        if !self.armed {
            self.armed = true;
            if self.thread.is_none() {
                self.thread = Some(std::thread::current());
            }
            crate::exit::arm();
        }
    }

    /// Makes room for one more entry, so that the next [`mark_held`](Self::mark_held) does not
    /// allocate: called before a real acquisition whose entry is pushed after it (an allocation
    /// while holding the lock could re-enter an allocator that takes that very lock).
    #[inline(always)]
    pub(crate) fn reserve_one(&mut self) {
        let stack = self.stack();
        if stack.len() == stack.capacity() {
            self.grow();
        }
    }

    /// Forgets every edge this thread knows or refused (it asks the global graph again).
    pub(crate) fn forget_edges(&mut self) {
        let epoch = self.edges.epoch;
        self.edges.forget(epoch);
    }

    /// Remembers that the edge was reported when taken at `site` (see `check::refused`).
    pub(crate) fn refuse(&mut self, edge: u64, site: &'static Location<'static>) {
        self.edges
            .refused
            .insert((edge, site as *const _ as usize), ());
    }

    /// Whether the edge was reported when taken at `site` on this thread.
    pub(crate) fn has_refused(&self, edge: u64, site: &'static Location<'static>) -> bool {
        !self.edges.refused.is_empty()
            && self
                .edges
                .refused
                .contains_key(&(edge, site as *const _ as usize))
    }

    /// The thread is ending: takes what it still holds, and frees its buffers. A lock used after
    /// this (by a later destructor) arms the thread again.
    pub(crate) fn take_at_exit(&mut self) -> Vec<HeldLock> {
        self.armed = false;
        self.edges.known = EdgeSet::default();
        self.edges.gated = KeyMap::default();
        self.edges.refused = KeyMap::default();
        std::mem::take(&mut self.own)
    }

    /// Takes the whole held stack this borrow works on, leaving it empty.
    #[cfg(feature = "tokio")]
    pub(crate) fn take_held(&mut self) -> Vec<HeldLock> {
        std::mem::take(self.stack_mut())
    }

    /// Records the release of the lock at `instance` when it is the top entry (the usual case);
    /// `false` otherwise.
    #[inline(always)]
    pub(crate) fn mark_released_top(&mut self, instance: usize) -> bool {
        let stack = self.stack_mut();
        match stack.last() {
            Some(h) if h.instance == instance => {
                stack.pop();
                true
            }
            _ => false,
        }
    }

    /// Records that the lock at `instance` is now held in `mode` (a downgrade).
    pub(crate) fn mark_mode(&mut self, instance: usize, mode: Mode) {
        if let Some(h) = self
            .stack_mut()
            .iter_mut()
            .rev()
            .find(|h| h.instance == instance)
        {
            *h = h.with_mode(mode);
        }
    }

    /// Records the release of the lock at `instance`, searching from the top; returns its entry.
    pub(crate) fn mark_released(&mut self, instance: usize) -> Option<HeldLock> {
        let stack = self.stack_mut();
        let at = stack.iter().rposition(|h| h.instance == instance)?;
        Some(stack.remove(at))
    }

    /// Whether every held lock is a different lock of a different class, with an order edge
    /// into `a` this thread has already seen accepted (at the current rank epoch).
    #[inline(always)]
    pub(crate) fn knows_every_edge_into(&mut self, a: &HeldLock, epoch: u64) -> bool {
        // Scalars, not `a` itself, go further: a reference to it passed to an out-of-line call
        // would keep the entry in memory, and copying it into the stack would then wait on a
        // failed store forward.
        let (instance, key) = (a.instance, a.key());
        let edges = &mut self.edges;
        edges.sync_epoch(epoch);
        #[cfg(feature = "tokio")]
        let held: &Vec<HeldLock> = if self.active.is_null() {
            &self.own
        } else {
            // SAFETY: as in `stack`.
            unsafe { &*self.active }
        };
        #[cfg(not(feature = "tokio"))]
        let held = &self.own;
        held.iter().all(|h| {
            h.instance != instance && h.key() != key && edges.knows(h.key().edge_bits(key), held)
        })
    }

    /// Whether this thread has seen the edge (`LockKey::edge_bits`) accepted, and, if it has a
    /// gate, holds the whole gate now.
    pub(crate) fn has_learned(&self, edge: u64) -> bool {
        self.edges.known.contains(&edge)
            || self
                .edges
                .gated
                .get(&edge)
                .is_some_and(|gate| holds_all(self.stack(), gate))
    }

    /// Records that the global graph accepted the edge with this gate (or, for a gated cycle,
    /// found it harmless while the gate is held): this thread need not ask again while it holds
    /// the gate, or ever when the gate is empty.
    pub(crate) fn learn(&mut self, edge: u64, gate: Vec<LockKey>) {
        if gate.is_empty() {
            self.edges.gated.remove(&edge);
            self.edges.known.insert(edge);
            // A gated slot of this edge would keep asking for a gate it no longer needs.
            for slot in self.edges.recent_gated.iter_mut().filter(|s| s.0 == edge) {
                *slot = (0, 0);
            }
        } else {
            self.edges.gated.insert(edge, gate);
        }
    }

    /// This thread's name as edges keep it (computed once per thread).
    fn thread_name(&mut self) -> &'static str {
        if let Some(name) = self.thread_name {
            return name;
        }
        let name = intern_thread_name(self.thread_label());
        self.thread_name = Some(name);
        name
    }

    /// This thread's name for a report: its given name, or its id.
    fn thread_label(&self) -> String {
        match &self.thread {
            Some(t) => label_of(t),
            None => label_of(&std::thread::current()),
        }
    }
}

/// This thread's [`ThreadState`] and its borrow flag: a `RefCell` that also knows when the thread
/// is inside the checker's own critical sections ([`crate::internal::Busy`]).
///
/// The flag's bit 0 says the state is borrowed; the rest counts busy levels (in steps of 2). A
/// lock operation (acquire, release, drop: [`borrow_state`]) needs the flag to be 0, exactly as
/// `RefCell::borrow_mut` does, so it costs nothing more: on a busy thread it is taken unchecked,
/// as std's lock would be, and never reaches the checker's locks. The checker's own work
/// ([`with_state`]) only needs the state not to be borrowed.
struct StateCell {
    flag: Cell<usize>,
    /// The checked future being polled on this thread, if any (`task.rs`): it owns the locks
    /// taken meanwhile. Here, not in a thread-local of its own: one lookup per lock operation.
    #[cfg(feature = "tokio")]
    polling: Cell<*const crate::task::TaskHeld>,
    state: UnsafeCell<ManuallyDrop<ThreadState>>,
}

const BORROWED: usize = 1;
const BUSY: usize = 2;

thread_local! {
    static STATE: StateCell = const {
        StateCell {
            flag: Cell::new(0),
            #[cfg(feature = "tokio")]
            polling: Cell::new(std::ptr::null()),
            state: UnsafeCell::new(ManuallyDrop::new(ThreadState::new())),
        }
    };
}

/// A borrow of this thread's state; gives it back when dropped, by storing back the whole flag
/// word it found (a read-modify-write of the borrowed bit alone compiles to a one-byte store,
/// and the next acquisition's eight-byte load of the flag would then wait on a failed store
/// forward: a third of an uncontended lock's cost).
pub(crate) struct StateRef {
    cell: &'static StateCell,
    flag_before: usize,
    /// The task's (or checked future's) held stack swapped into the state for this borrow
    /// (`task.rs`); null: the thread's own.
    #[cfg(feature = "tokio")]
    task: *const crate::task::TaskHeld,
}

impl std::ops::Deref for StateRef {
    type Target = ThreadState;
    #[inline(always)]
    fn deref(&self) -> &ThreadState {
        // SAFETY: the flag's borrowed bit, set by whoever made this `StateRef`, keeps every other
        // borrow out until it is dropped; `StateRef` is `!Send` (it holds a reference to a
        // `!Sync` cell), so it stays on this thread.
        unsafe { &*self.cell.state.get() }
    }
}

impl std::ops::DerefMut for StateRef {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut ThreadState {
        // SAFETY: as for `deref`: this is the only borrow.
        unsafe { &mut *self.cell.state.get() }
    }
}

impl Drop for StateRef {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(feature = "tokio")]
        if !self.task.is_null() {
            // SAFETY: `borrow_with_owner` claimed it for this borrow, and made it the active
            // stack; this is the only borrow.
            unsafe {
                (&mut *self.cell.state.get()).active = std::ptr::null_mut();
                crate::task::release(self.task);
            }
        }
        // Busy levels entered while borrowed have been left again by now (they nest).
        self.cell.flag.set(self.flag_before);
    }
}

/// Borrows `cell` (its flag already set to `flag_before | BORROWED`): with the `tokio` feature,
/// the owner's held stack (a checked future being polled, a tokio task: `task.rs`) is the
/// active one for the borrow. `None`: no stack can be used now (the operation goes unchecked), and the
/// flag is put back. The `StateRef` is built in one go: a field written after it (it is moved
/// on return) would make the move's wide load wait on a failed store forward.
#[inline(always)]
fn borrow_with_owner(cell: &'static StateCell, flag_before: usize) -> Option<StateRef> {
    #[cfg(feature = "tokio")]
    {
        // SAFETY: the flag's borrowed bit is set: this is the only borrow, on this thread.
        let state = unsafe { &mut *cell.state.get() };
        match crate::task::owner(cell.polling.get(), &mut state.tasks) {
            Ok(None) => Some(StateRef {
                cell,
                flag_before,
                task: std::ptr::null(),
            }),
            Ok(Some(task)) => {
                // SAFETY: `owner` claimed it for this thread, until the `StateRef` is dropped.
                state.active = unsafe { crate::task::stack_of(task) };
                Some(StateRef {
                    cell,
                    flag_before,
                    task,
                })
            }
            Err(()) => {
                cell.flag.set(flag_before);
                None
            }
        }
    }
    #[cfg(not(feature = "tokio"))]
    Some(StateRef { cell, flag_before })
}

/// This thread's state cell. Only the address is taken inside `try_with`, so it inlines whatever
/// the caller does next.
#[inline(always)]
fn state_cell() -> Option<&'static StateCell> {
    let cell: *const StateCell = STATE.try_with(|s| s as *const _).ok()?;
    // SAFETY: `STATE` has a const initializer and no destructor (`ManuallyDrop`), so its storage
    // lives until the thread is gone, after every thread-local destructor; and the reference is
    // to a `!Sync` cell, so it can never be used on another thread.
    Some(unsafe { &*cell })
}

/// Runs `f` on this thread's state, for the checker's own work. `None` when the state is already
/// borrowed further up this thread's stack (lockcheck re-entered from a violation handler, or
/// from an allocation while the state was borrowed): the caller degrades quietly.
#[inline]
pub(crate) fn with_state<R>(f: impl FnOnce(&mut ThreadState) -> R) -> Option<R> {
    let cell = state_cell()?;
    let flag = cell.flag.get();
    if flag & BORROWED != 0 {
        return None;
    }
    cell.flag.set(flag | BORROWED);
    let mut state = borrow_with_owner(cell, flag)?;
    Some(f(&mut state))
}

/// This thread's state, borrowed, for a lock operation: `None` when it is borrowed, or when the
/// thread is busy inside the checker's own critical sections (the operation is then taken
/// unchecked). For the hot paths, which must not depend on LLVM inlining a closure: the accessor
/// is a few instructions at the call site.
#[inline(always)]
pub(crate) fn borrow_state() -> Option<StateRef> {
    let cell = state_cell()?;
    if cell.flag.get() != 0 {
        return None;
    }
    cell.flag.set(BORROWED);
    borrow_with_owner(cell, 0)
}

/// Makes `held` (a checked future's stack; null: none) the owner of the locks this thread
/// takes, returning the previous one (`task::polling`).
#[cfg(feature = "tokio")]
pub(crate) fn set_polling(held: *const crate::task::TaskHeld) -> *const crate::task::TaskHeld {
    state_cell().map_or(std::ptr::null(), |c| c.polling.replace(held))
}

/// With the `tokio` feature: releases the lock at `instance` from the thread's own held stack,
/// without asking whose stack is in use, when it is that stack's top entry and held exclusive
/// (then no task or checked future can hold it too: it is the thread's). The release of a lock
/// taken outside any task skips the owner lookup this way.
#[cfg(feature = "tokio")]
#[inline(always)]
pub(crate) fn release_thread_top(instance: usize) -> bool {
    let Some(cell) = state_cell() else {
        return false;
    };
    if cell.flag.get() != 0 {
        return false;
    }
    // SAFETY: the flag is 0: no borrow is live on this thread, and none starts while this one
    // runs (it calls nothing).
    let state = unsafe { &mut *cell.state.get() };
    match state.own.last() {
        Some(h) if h.instance == instance && h.mode() == Mode::Exclusive => {
            state.own.pop();
            true
        }
        _ => false,
    }
}

/// Whether this thread is inside the checker's own critical sections.
pub(crate) fn is_busy() -> bool {
    state_cell().is_some_and(|c| c.flag.get() >= BUSY)
}

/// See [`crate::internal::Busy`].
pub(crate) fn enter_busy() {
    if let Some(c) = state_cell() {
        c.flag.set(c.flag.get() + BUSY);
    }
}

/// The busy levels, taken away (see [`crate::internal::not_busy`]).
pub(crate) fn take_busy() -> usize {
    match state_cell() {
        Some(c) => {
            let flag = c.flag.get();
            c.flag.set(flag & BORROWED);
            flag & !BORROWED
        }
        None => 0,
    }
}

/// Puts back busy levels taken by [`take_busy`].
pub(crate) fn restore_busy(levels: usize) {
    if let Some(c) = state_cell() {
        c.flag.set((c.flag.get() & BORROWED) | levels);
    }
}

/// See [`crate::internal::Busy`].
pub(crate) fn leave_busy() {
    if let Some(c) = state_cell() {
        c.flag.set(c.flag.get().saturating_sub(BUSY));
    }
}

/// Whether this thread holds the lock at `instance` (in any mode).
pub(crate) fn holds_instance(instance: usize) -> bool {
    with_state(|s| s.held().iter().any(|h| h.instance == instance)).unwrap_or(false)
}

/// The mode this thread holds `instance` in, if it holds it.
pub(crate) fn held_mode(instance: usize) -> Option<Mode> {
    with_state(|s| {
        s.stack()
            .iter()
            .rev()
            .find(|h| h.instance == instance)
            .map(|h| h.mode())
    })
    .flatten()
}

/// A copy of this thread's held stack, bottom first.
pub(crate) fn snapshot() -> Vec<HeldLock> {
    with_state(|s| s.stack().clone()).unwrap_or_default()
}

/// This thread's name as the order graph keeps it, for the edges it is the first to take:
/// interned, so every thread of a name shares one string. At most [`NAMES_KEPT`] names are kept
/// for the process's life; a thread past that is named [`NAME_NOT_KEPT`] in the edges it is first
/// to take (thread-per-request code with unnamed threads would otherwise grow without bound).
/// Violations name their thread exactly ([`thread_label`]).
pub(crate) fn thread_name() -> &'static str {
    with_state(ThreadState::thread_name)
        .unwrap_or_else(|| intern_thread_name(label_of(&std::thread::current())))
}

/// This thread's name for a violation: its given name, or its id; inside a tokio task (feature
/// `tokio`), the task's id too, whose held set the violation is about. Not kept after the report.
pub(crate) fn thread_label() -> String {
    let thread =
        with_state(|s| s.thread_label()).unwrap_or_else(|| label_of(&std::thread::current()));
    #[cfg(feature = "tokio")]
    if let Some(task) = tokio::task::try_id() {
        return format!("{thread}, task {task}");
    }
    thread
}

fn label_of(t: &std::thread::Thread) -> String {
    match t.name() {
        Some(n) => n.to_owned(),
        None => format!("{:?}", t.id()),
    }
}

/// How many distinct thread names the order graph keeps.
pub(crate) const NAMES_KEPT: usize = 1024;

/// The name of a thread in an edge once [`NAMES_KEPT`] names are kept.
pub(crate) const NAME_NOT_KEPT: &str =
    "(one of many threads: names past the first 1024 are not kept)";

static NAMES: Internal<BTreeSet<&'static str>> = Internal::new(BTreeSet::new());

fn intern_thread_name(name: String) -> &'static str {
    let mut names = NAMES.lock();
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    if names.len() >= NAMES_KEPT {
        return NAME_NOT_KEPT;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// How many thread names are kept (for tests of the bound).
pub fn thread_names_kept() -> usize {
    NAMES.lock().len()
}

/// A violation on this thread, holding `held`.
pub(crate) fn violation_holding(
    kind: ViolationKind,
    acquiring: LockUse,
    held: &[HeldLock],
) -> Violation {
    Violation {
        kind,
        thread: thread_label(),
        acquiring,
        captured: false,
        held: held.iter().map(HeldLock::lock_use).collect(),
    }
}
