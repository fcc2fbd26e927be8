//! Everything lockcheck keeps per thread, and the one flag word that says whether it may be
//! used now: the thread's own held stack, its edge cache, its handle and name, and (feature
//! `tokio`) the held stack of the task or checked future a borrow works on.
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
//! updated by convention only. This module sits below the checker's own locks (`internal.rs`
//! marks the thread busy in the flag word here); whose stack a borrow works on is asked of
//! `task.rs` by `held.rs`, above both.

use std::cell::{Cell, UnsafeCell};
use std::mem::ManuallyDrop;

use crate::edge_cache::EdgeCache;
use crate::held_lock::HeldLock;
use crate::mode::Mode;
#[cfg(feature = "tokio")]
use crate::task_held::{TaskCache, TaskHeld};

/// Everything lockcheck keeps per thread.
pub(crate) struct ThreadState {
    /// The held stack this borrow works on: the thread's own, or (feature `tokio`) a task's or
    /// a checked future's, swapped in for the borrow (`task.rs`) while the thread's own waits
    /// in `joined`. Swapped, not pointed at: every access is then one fixed place, with no
    /// branch on whose stack it is.
    held: Vec<HeldLock>,
    /// With the `tokio` feature: the thread's own stack while a task's is swapped into `held`,
    /// or a task's beside the thread's (a blocking lock's operation in a task); empty otherwise.
    #[cfg(feature = "tokio")]
    joined: Vec<HeldLock>,
    /// Whether a task's (or checked future's) stack is swapped into `held` now, and how.
    #[cfg(feature = "tokio")]
    lent: Lent,
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
    tasks: TaskCache,
}

impl ThreadState {
    const fn new() -> Self {
        ThreadState {
            held: Vec::new(),
            #[cfg(feature = "tokio")]
            joined: Vec::new(),
            #[cfg(feature = "tokio")]
            lent: Lent::No,
            edges: EdgeCache::new(),
            thread: None,
            armed: false,
            thread_name: None,
            #[cfg(feature = "tokio")]
            tasks: TaskCache::new(),
        }
    }

    /// The held stack, first taken first.
    #[inline(always)]
    pub(crate) fn held(&self) -> &[HeldLock] {
        &self.held
    }

    /// The other owner's entries (feature `tokio`): the thread's own when this borrow works on
    /// a task's or a checked future's stack (the thread holds them while it polls the task), or
    /// the task's beside the thread's for a blocking lock's operation in a task. Part of what an
    /// acquisition is ordered after; empty otherwise. Entries are pushed to
    /// [`held`](Self::held)'s stack only.
    #[inline(always)]
    pub(crate) fn joined(&self) -> &[HeldLock] {
        #[cfg(feature = "tokio")]
        return &self.joined;
        #[cfg(not(feature = "tokio"))]
        return &[];
    }

    /// Everything the owner holds now: [`joined`](Self::joined), then [`held`](Self::held).
    #[inline(always)]
    pub(crate) fn held_all(&self) -> impl Iterator<Item = &HeldLock> + Clone {
        self.joined().iter().chain(self.held())
    }

    /// The latest entry of the lock at `instance` the owner holds: its own stack's from the top,
    /// then the [`joined`](Self::joined) ones.
    pub(crate) fn latest(&self, instance: usize) -> Option<&HeldLock> {
        self.held()
            .iter()
            .rev()
            .chain(self.joined().iter().rev())
            .find(|h| h.instance == instance)
    }

    /// Whether the owner holds nothing ([`held_all`](Self::held_all) is empty).
    #[inline(always)]
    pub(crate) fn holds_nothing(&self) -> bool {
        #[cfg(feature = "tokio")]
        return self.held.len() | self.joined.len() == 0;
        #[cfg(not(feature = "tokio"))]
        return self.held.is_empty();
    }

    /// The thread's own held stack, wherever it is now (`joined` while a task's is lent in).
    fn own_mut(&mut self) -> &mut Vec<HeldLock> {
        #[cfg(feature = "tokio")]
        if matches!(self.lent, Lent::Joined | Lent::Buffer) {
            return &mut self.joined;
        }
        &mut self.held
    }

    /// Swaps the stack at `task` (a task's or checked future's, claimed for this borrow) in as
    /// the one this borrow works on; the thread's own waits in `joined` until
    /// [`give_back`](Self::give_back).
    ///
    /// # Safety
    ///
    /// `task` must be claimed by this thread (`task::owner`) until `give_back`.
    #[cfg(feature = "tokio")]
    #[inline]
    unsafe fn lend(&mut self, task: *const TaskHeld) {
        // SAFETY: the caller's.
        let stack = unsafe { &mut *crate::task_held::stack_of(task) };
        // Swaps only: nothing is dropped (`joined` is empty between borrows). While the thread
        // holds nothing (the usual case) its `joined` stays empty, and a stack is only a
        // buffer: an empty task's stack is not even swapped in, the thread's empty one serves.
        if !self.held.is_empty() {
            swap_stacks(&mut self.held, stack);
            swap_stacks(&mut self.joined, stack);
            self.lent = Lent::Joined;
        } else {
            if !stack.is_empty() {
                swap_stacks(&mut self.held, stack);
            }
            self.lent = Lent::Buffer;
        }
    }

    /// Joins the stack at `task` (a tokio task's, claimed for this borrow) to the thread's own,
    /// which stays the one this borrow works on: a blocking lock's operation inside a task. Its
    /// entry is the thread's (a blocking guard cannot leave the thread; held across an `.await`
    /// it blocks the thread, whatever task runs next), ordered after what the task holds. A
    /// task that holds nothing joins nothing.
    ///
    /// # Safety
    ///
    /// As for [`lend`](Self::lend), until [`give_back`](Self::give_back).
    #[cfg(feature = "tokio")]
    #[inline]
    unsafe fn lend_beside(&mut self, task: *const TaskHeld) {
        // SAFETY: the caller's.
        let stack = unsafe { &mut *crate::task_held::stack_of(task) };
        if !stack.is_empty() {
            swap_stacks(&mut self.joined, stack);
            self.lent = Lent::Beside;
        }
    }

    /// Gives the stack lent in by [`lend`](Self::lend) or [`lend_beside`](Self::lend_beside)
    /// back to `task`, and the thread its own.
    ///
    /// # Safety
    ///
    /// As for `lend`, with the same `task`.
    #[cfg(feature = "tokio")]
    #[inline]
    unsafe fn give_back(&mut self, task: *const TaskHeld) {
        // SAFETY: the caller's.
        let stack = unsafe { &mut *crate::task_held::stack_of(task) };
        match self.lent {
            Lent::Joined => {
                swap_stacks(&mut self.joined, stack);
                swap_stacks(&mut self.held, stack);
            }
            // The task holds something now: it takes the buffer, the thread the task's empty
            // one. Both empty: each keeps what it has (any empty buffer will do).
            Lent::Buffer if !self.held.is_empty() => swap_stacks(&mut self.held, stack),
            Lent::Beside => swap_stacks(&mut self.joined, stack),
            Lent::Buffer | Lent::No => {}
        }
        self.lent = Lent::No;
    }

    /// Records that the lock is now held. The hot path is a capacity check and the stores;
    /// growing the stack (the thread's first lock, or a deeper nesting than before) is out of
    /// line. `true`: this is the thread's first hold since it started (or since its exit report
    /// ran), and the caller arms its exit report (`exit.rs`): a thread that never held a lock has
    /// nothing to reap.
    #[inline(always)]
    #[must_use = "the thread's exit report is armed on its first hold"]
    pub(crate) fn mark_held(&mut self, entry: &HeldLock) -> bool {
        let len = self.held.len();
        let first = len == self.held.capacity() && self.grow();
        // SAFETY: the slot past the end is within capacity (grown above), and written whole
        // before the length covers it.
        unsafe {
            entry.write_by_words(self.held.as_mut_ptr().add(len));
            self.held.set_len(len + 1);
        }
        first
    }

    /// Grows the stack; `true` on the thread's first hold (see [`mark_held`](Self::mark_held)).
    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> bool {
        self.held.reserve(8);
        if self.armed {
            return false;
        }
        self.armed = true;
        if self.thread.is_none() {
            self.thread = Some(std::thread::current());
        }
        true
    }

    /// Makes room for one more entry, so that the next [`mark_held`](Self::mark_held) does not
    /// allocate: called before a real acquisition whose entry is pushed after it (an allocation
    /// while holding the lock could re-enter an allocator that takes that very lock). `true` as
    /// for `mark_held`.
    #[inline(always)]
    #[must_use = "the thread's exit report is armed on its first hold"]
    pub(crate) fn reserve_one(&mut self) -> bool {
        self.held.len() == self.held.capacity() && self.grow()
    }

    /// The per-thread cache of accepted (and refused) order edges.
    pub(crate) fn edges(&self) -> &EdgeCache {
        &self.edges
    }

    /// [`edges`](Self::edges), to learn or forget.
    pub(crate) fn edges_mut(&mut self) -> &mut EdgeCache {
        &mut self.edges
    }

    /// The thread is ending: takes what it still holds, and frees its buffers. A lock used after
    /// this (by a later destructor) arms the thread again.
    pub(crate) fn take_at_exit(&mut self) -> Vec<HeldLock> {
        self.armed = false;
        self.edges.free();
        std::mem::take(self.own_mut())
    }

    /// Takes the whole held stack this borrow works on, leaving it empty.
    #[cfg(feature = "tokio")]
    pub(crate) fn take_held(&mut self) -> Vec<HeldLock> {
        std::mem::take(&mut self.held)
    }

    /// Records the release of the lock at `instance` when it is the top entry (the usual case);
    /// `false` otherwise.
    #[inline(always)]
    pub(crate) fn mark_released_top(&mut self, instance: usize) -> bool {
        match self.held.last() {
            Some(h) if h.instance == instance => {
                self.held.pop();
                true
            }
            _ => false,
        }
    }

    /// Records that the lock at `instance` is now held in `mode` (a downgrade).
    pub(crate) fn mark_mode(&mut self, instance: usize, mode: Mode) {
        // The joined entries too: an entry the thread pushed before a task's stack was asked
        // for (no task held a lock then) is changed there.
        #[cfg(feature = "tokio")]
        let joined = self.joined.iter_mut().rev();
        #[cfg(not(feature = "tokio"))]
        let joined = std::iter::empty();
        let found = self
            .held
            .iter_mut()
            .rev()
            .chain(joined)
            .find(|h| h.instance == instance);
        if let Some(h) = found {
            *h = h.with_mode(mode);
        }
    }

    /// Drops the oldest entry of the lock at `instance` (one whose guard was released by
    /// another owner: `stray_releases.rs`).
    #[cfg(feature = "tokio")]
    pub(crate) fn mark_released_oldest(&mut self, instance: usize) {
        if let Some(at) = self.held.iter().position(|h| h.instance == instance) {
            self.held.remove(at);
        }
    }

    /// Records the release of the lock at `instance`, searching from the top (then the
    /// [`joined`](Self::joined) entries); returns its entry.
    pub(crate) fn mark_released(&mut self, instance: usize) -> Option<HeldLock> {
        if let Some(at) = self.held.iter().rposition(|h| h.instance == instance) {
            return Some(self.held.remove(at));
        }
        #[cfg(feature = "tokio")]
        if let Some(at) = self.joined.iter().rposition(|h| h.instance == instance) {
            return Some(self.joined.remove(at));
        }
        None
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
        let held = &self.held;
        #[cfg(feature = "tokio")]
        let joined: &[HeldLock] = &self.joined;
        #[cfg(not(feature = "tokio"))]
        let joined: &[HeldLock] = &[];
        // A gate is looked for among `held` only: a gate held among the joined entries makes
        // the order look unknown here, and the slow path decides it. Two loops, not a chain:
        // the chain's state costs the common case, where nothing is joined.
        let mut knows = |h: &HeldLock| {
            h.instance != instance
                && h.key() != key
                && edges.knows(h.key().edge_bits(key), h.instance, held)
        };
        joined.iter().all(&mut knows) && held.iter().all(knows)
    }

    /// Whether this thread has seen the edge (`LockKey::edge_bits`) accepted, and, if it has a
    /// gate, holds the whole gate now in locks other than `offering` (the held lock whose edge
    /// it is).
    pub(crate) fn has_learned(&self, edge: u64, offering: usize) -> bool {
        self.edges.has_learned(edge, offering, &self.held)
    }

    /// The thread's name as edges keep it, once computed (`held::thread_name`).
    pub(crate) fn thread_name(&self) -> Option<&'static str> {
        self.thread_name
    }

    /// Keeps the thread's name as edges keep it.
    pub(crate) fn set_thread_name(&mut self, name: &'static str) {
        self.thread_name = Some(name);
    }

    /// The thread's handle, once it has held a lock (never taken in its teardown).
    pub(crate) fn thread(&self) -> Option<&std::thread::Thread> {
        self.thread.as_ref()
    }
}

/// Whether a task's (or checked future's) held stack is lent into a borrow
/// ([`ThreadState::lend`]).
#[cfg(feature = "tokio")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lent {
    /// No: `held` is the thread's own.
    No,
    /// Yes, and the thread holds nothing (`joined` is empty): `held` is the task's stack, in
    /// whichever of the two buffers.
    Buffer,
    /// Yes, and the thread's own entries wait in `joined`.
    Joined,
    /// The task's entries are in `joined`, beside the thread's own in `held`
    /// ([`ThreadState::lend_beside`]).
    Beside,
}

/// Swaps two held stacks a word at a time. `std::mem::swap` moves a `Vec` in 16-byte halves,
/// and the next swap's wide load of words the last one stored one by one (or the other way
/// round) waits on a failed store forward: a task's lock operation lends and gives back a
/// stack on every borrow, and paid about 10 ns a borrow for it.
#[cfg(feature = "tokio")]
#[inline(always)]
fn swap_stacks(a: &mut Vec<HeldLock>, b: &mut Vec<HeldLock>) {
    const WORDS: usize = std::mem::size_of::<Vec<HeldLock>>() / std::mem::size_of::<usize>();
    const _: () = assert!(
        std::mem::size_of::<Vec<HeldLock>>() == WORDS * std::mem::size_of::<usize>()
            && std::mem::align_of::<Vec<HeldLock>>() == std::mem::align_of::<usize>()
    );
    let (a, b) = (
        (a as *mut Vec<HeldLock>).cast::<usize>(),
        (b as *mut Vec<HeldLock>).cast::<usize>(),
    );
    for i in 0..WORDS {
        // SAFETY: two distinct `Vec`s (two `&mut`) of one type, whole words of each (asserted
        // above), swapped word for word: each ends up holding the other's bytes, a valid
        // `Vec`. Volatile, so that the words are not merged into wider moves again.
        unsafe {
            let x = std::ptr::read_volatile(a.add(i));
            std::ptr::write_volatile(a.add(i), std::ptr::read_volatile(b.add(i)));
            std::ptr::write_volatile(b.add(i), x);
        }
    }
}

/// This thread's [`ThreadState`] and its borrow flag: a `RefCell` that also knows when the thread
/// is inside the checker's own critical sections ([`crate::internal::Busy`]).
///
/// The flag's bit 0 says the state is borrowed; bits 1 and 2 (feature `tokio`) that a checked
/// future is being polled and that an async lock's acquisition is under way (the owner of the
/// locks taken now must be asked); the rest counts busy levels (in steps of [`BUSY`]). A lock
/// operation (acquire, release, drop: [`borrow_state`]) needs the state neither borrowed nor
/// busy, exactly as `RefCell::borrow_mut` needs it not borrowed, so it costs nothing more: on a
/// busy thread it is taken unchecked, as std's lock would be, and never reaches the checker's
/// locks. The checker's own work ([`with_state`]) only needs the state not to be borrowed. A
/// flag of 0 with no task's stack announced is the thread-only fast path: one load, one test.
struct StateCell {
    flag: Cell<usize>,
    /// The thread's own held stack's length as the last borrow left it (stored back with the
    /// flag): what a notify reads, without a borrow, to see that nothing is held.
    own_len: Cell<usize>,
    /// The checked future being polled on this thread, if any (`task.rs`): it owns the locks
    /// taken meanwhile (the flag's [`POLLING`] bit says it is set). Here, not in a thread-local
    /// of its own: one lookup per lock operation.
    #[cfg(feature = "tokio")]
    polling: Cell<*const TaskHeld>,
    /// The task's or checked future's stack the last borrow worked on (null: the thread's own):
    /// whose held set an acquisition just pushed to, for a guard that may move (`Hold`).
    #[cfg(feature = "tokio")]
    last_owner: Cell<*const TaskHeld>,
    state: UnsafeCell<ManuallyDrop<ThreadState>>,
}

/// The flag's bit: the state is borrowed.
const BORROWED: usize = 1;
/// The flag's bit: a checked future is being polled on this thread (`StateCell::polling`).
#[cfg(feature = "tokio")]
const POLLING: usize = 2;
/// The flag's bit: an async lock's acquisition is under way ([`AsyncOp`]): its borrows ask
/// which task runs even while no task's stack is announced (its entry goes to the task's stack).
#[cfg(feature = "tokio")]
const ASYNC_OP: usize = 4;
/// The flag's bits that say whose stack a borrow works on, not whether it may borrow.
#[cfg(feature = "tokio")]
const OWNER_BITS: usize = POLLING | ASYNC_OP;
/// One busy level: the flag's bits above the ones named here count them.
const BUSY: usize = 8;

thread_local! {
    static STATE: StateCell = const {
        StateCell {
            flag: Cell::new(0),
            own_len: Cell::new(0),
            #[cfg(feature = "tokio")]
            polling: Cell::new(std::ptr::null()),
            #[cfg(feature = "tokio")]
            last_owner: Cell::new(std::ptr::null()),
            state: UnsafeCell::new(ManuallyDrop::new(ThreadState::new())),
        }
    };
}

/// A borrow of this thread's state; gives it back when dropped, by subtracting the borrowed bit
/// from the whole flag word (a mask of the bit alone compiles to a one-byte store, and the next
/// acquisition's eight-byte load of the flag would then wait on a failed store forward: a third
/// of an uncontended lock's cost). The cell is not kept: it is this thread's, at a fixed offset
/// from the thread pointer, so every access is one instruction and an `Option<StateRef>` made
/// on the fast path or out of line comes back in registers.
pub(crate) struct StateRef {
    /// The task's (or checked future's) held stack swapped into the state for this borrow
    /// (`task.rs`); null: the thread's own.
    #[cfg(feature = "tokio")]
    task: *const TaskHeld,
    /// `!Send`, `!Sync`: the borrow is this thread's.
    _thread: std::marker::PhantomData<*mut ()>,
}

impl StateRef {
    /// The borrow of this thread's cell (its flag's borrowed bit set by the caller) working on
    /// `task`'s stack (null: the thread's own).
    #[inline(always)]
    fn new(#[cfg(feature = "tokio")] task: *const TaskHeld) -> Self {
        StateRef {
            #[cfg(feature = "tokio")]
            task,
            _thread: std::marker::PhantomData,
        }
    }

    /// This thread's cell, which the borrow is of.
    #[inline(always)]
    fn cell(&self) -> &'static StateCell {
        // SAFETY: a `StateRef` is only made from `state_cell()`'s answer on this thread, and
        // stays on it; the answer never changes.
        unsafe { state_cell().unwrap_unchecked() }
    }
}

impl std::ops::Deref for StateRef {
    type Target = ThreadState;
    #[inline(always)]
    fn deref(&self) -> &ThreadState {
        // SAFETY: the flag's borrowed bit, set by whoever made this `StateRef`, keeps every other
        // borrow out until it is dropped; `StateRef` is `!Send` (it holds a reference to a
        // `!Sync` cell), so it stays on this thread.
        unsafe { &*self.cell().state.get() }
    }
}

impl std::ops::DerefMut for StateRef {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut ThreadState {
        // SAFETY: as for `deref`: this is the only borrow.
        unsafe { &mut *self.cell().state.get() }
    }
}

impl Drop for StateRef {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(feature = "tokio")]
        if !self.task.is_null() {
            // SAFETY: `borrow_with_owner` claimed it for this borrow, and lent it in; this is
            // the only borrow.
            unsafe {
                (&mut *self.cell().state.get()).give_back(self.task);
                crate::task_held::release(self.task);
            }
        }
        let own_len = self.held.len();
        let cell = self.cell();
        cell.own_len.set(own_len);
        // Busy levels entered while borrowed have been left again by now (they nest), and the
        // owner bits are set and cleared outside borrows only: what the borrow found comes back.
        cell.flag.set(cell.flag.get() - BORROWED);
    }
}

/// Borrows `cell` (its flag already set to `flag_before | BORROWED`): with the `tokio` feature,
/// the owner's held stack (a checked future being polled, a tokio task: `owner` says which, see
/// `task.rs`) is the one the borrow works on (a blocking lock's operation in a task: joined
/// beside the thread's). `None`: no stack can be used now (the operation goes unchecked), and
/// the flag is put back.
#[inline(always)]
fn borrow_with_owner(
    cell: &'static StateCell,
    flag_before: usize,
    owner: impl Owner,
    for_async: bool,
) -> Option<StateRef> {
    #[cfg(feature = "tokio")]
    {
        if flag_before & OWNER_BITS == 0 && !for_async && !crate::task_held::any_announced() {
            // No task holds a lock (no stack is announced) and no checked future is being
            // polled: whatever task runs here holds nothing but what this thread holds, so the
            // thread's own stack is the owner's, and tokio is not asked which task runs.
            cell.last_owner.set(std::ptr::null());
            return Some(StateRef::new(std::ptr::null()));
        }
        borrow_for_owner(cell, flag_before, owner, for_async)
    }
    #[cfg(not(feature = "tokio"))]
    {
        let _ = (cell, owner, for_async, flag_before);
        Some(StateRef::new())
    }
}

/// [`borrow_with_owner`] when the owner must be asked: a task's stack is announced, a checked
/// future is being polled, or an async lock is being taken.
#[cfg(feature = "tokio")]
#[inline(always)]
fn borrow_for_owner(
    cell: &'static StateCell,
    flag_before: usize,
    owner: impl Owner,
    for_async: bool,
) -> Option<StateRef> {
    // SAFETY: the flag's borrowed bit is set: this is the only borrow, on this thread.
    let state = unsafe { &mut *cell.state.get() };
    match owner(cell.polling_for(flag_before), &mut state.tasks) {
        Ok(None) => {
            cell.last_owner.set(std::ptr::null());
            Some(StateRef::new(std::ptr::null()))
        }
        Ok(Some(task)) if for_async || flag_before & OWNER_BITS != 0 => {
            // An async lock's operation, or any inside a checked future (whose yield checks
            // its own stack): the entry is the owner's.
            cell.last_owner.set(task);
            // SAFETY: `owner` claimed it for this thread, until the `StateRef` is dropped.
            unsafe { state.lend(task) };
            Some(StateRef::new(task))
        }
        Ok(Some(task)) => {
            // A blocking lock's operation inside a tokio task: the entry is the thread's.
            cell.last_owner.set(std::ptr::null());
            // SAFETY: as above.
            unsafe { state.lend_beside(task) };
            Some(StateRef::new(task))
        }
        Err(()) => {
            cell.flag.set(flag_before);
            None
        }
    }
}

/// An async guard's release (feature `tokio`): pops the lock at `instance` off the current
/// owner's stack when it is the top entry there, without swapping a task's stack into the
/// state (the borrow would swap it in and out again for one pop). `Some(false)`: not the top
/// entry, the caller searches; `None`: no stack can be used now (unchecked, as a failed borrow).
#[cfg(feature = "tokio")]
#[inline]
pub(crate) fn release_owner_top(owner: impl Owner, instance: usize) -> Option<bool> {
    let cell = state_cell()?;
    let flag = cell.mark_borrowed()?;
    // SAFETY: the flag's borrowed bit is set: this is the only borrow, on this thread.
    let state = unsafe { &mut *cell.state.get() };
    let found = match owner(cell.polling_for(flag), &mut state.tasks) {
        Ok(None) => {
            cell.last_owner.set(std::ptr::null());
            let found = state.mark_released_top(instance);
            cell.own_len.set(state.held.len());
            Some(found)
        }
        Ok(Some(task)) => {
            cell.last_owner.set(task);
            // SAFETY: `owner` claimed it for this thread, until `release` below.
            let stack = unsafe { &mut *crate::task_held::stack_of(task) };
            let found = matches!(stack.last(), Some(h) if h.instance == instance);
            if found {
                stack.pop();
            }
            // SAFETY: as above; given back once, here.
            unsafe { crate::task_held::release(task) };
            Some(found)
        }
        Err(()) => None,
    };
    cell.flag.set(flag);
    found
}

/// Whose held stack a borrow works on (feature `tokio`): given the checked future being polled
/// on this thread (null: none) and the thread's task cache, the owner's stack claimed for the
/// borrow (`Ok(Some)`), the thread's own (`Ok(None)`), or none usable now (`Err`). `task::owner`
/// is the one answer; it sits above this module (it takes the checker's own locks).
#[cfg(feature = "tokio")]
pub(crate) trait Owner:
    FnOnce(*const TaskHeld, &mut TaskCache) -> Result<Option<*const TaskHeld>, ()>
{
}
#[cfg(feature = "tokio")]
impl<F: FnOnce(*const TaskHeld, &mut TaskCache) -> Result<Option<*const TaskHeld>, ()>> Owner
    for F
{
}

/// Without the `tokio` feature every borrow works on the thread's own stack.
#[cfg(not(feature = "tokio"))]
pub(crate) trait Owner {}
#[cfg(not(feature = "tokio"))]
impl Owner for () {}

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
/// from an allocation while the state was borrowed): the caller degrades quietly. `for_async`:
/// as for [`borrow_state_for`].
#[inline]
pub(crate) fn with_state<R>(
    owner: impl Owner,
    for_async: bool,
    f: impl FnOnce(&mut ThreadState) -> R,
) -> Option<R> {
    let cell = state_cell()?;
    let flag = cell.flag.get();
    if flag & BORROWED != 0 {
        return None;
    }
    cell.flag.set(flag | BORROWED);
    let mut state = borrow_with_owner(cell, flag, owner, for_async)?;
    Some(f(&mut state))
}

/// This thread's state, borrowed, for a lock operation: `None` when it is borrowed, or when the
/// thread is busy inside the checker's own critical sections (the operation is then taken
/// unchecked). For the hot paths, which must not depend on LLVM inlining a closure: the accessor
/// is a few instructions at the call site.
#[inline(always)]
pub(crate) fn borrow_state(owner: impl Owner) -> Option<StateRef> {
    borrow_state_for(owner, false)
}

/// [`borrow_state`] for an operation on a lock of one kind; `for_async`: an async lock's, whose
/// entry is its task's (its borrow asks which task runs even while no task's stack is
/// announced, and works on the task's stack; the checker's own work for it, out of the fast
/// path, is marked with [`AsyncOp`]). A blocking lock's borrow inside a tokio task works on the
/// thread's own stack, the task's joined to it (`ThreadState::lend_beside`).
#[inline(always)]
pub(crate) fn borrow_state_for(owner: impl Owner, for_async: bool) -> Option<StateRef> {
    let cell = state_cell()?;
    if cell.flag.get() != 0 {
        #[cfg(feature = "tokio")]
        return borrow_marked(cell, owner, for_async);
        #[cfg(not(feature = "tokio"))]
        return None;
    }
    // The flag is known to be 0 from here on: nothing to keep for the drop but a constant.
    cell.flag.set(BORROWED);
    borrow_with_owner(cell, 0, owner, for_async)
}

/// [`borrow_state_for`] when the flag is not 0: `None` when borrowed or busy; with only
/// [`OWNER_BITS`] set (a checked future polled, an async acquisition), the owner is asked. Out
/// of line, so that the flag word does not stay live through the fast path.
#[cfg(feature = "tokio")]
#[inline(never)]
fn borrow_marked(cell: &'static StateCell, owner: impl Owner, for_async: bool) -> Option<StateRef> {
    let flag = cell.mark_borrowed()?;
    borrow_with_owner(cell, flag, owner, for_async)
}

#[cfg(feature = "tokio")]
impl StateCell {
    /// Sets the borrowed bit for a lock operation, returning the flag it found: `None` when
    /// the state is borrowed or busy (only [`OWNER_BITS`] may be set).
    #[inline(always)]
    fn mark_borrowed(&self) -> Option<usize> {
        let flag = self.flag.get();
        if flag & !OWNER_BITS != 0 {
            return None;
        }
        self.flag.set(flag | BORROWED);
        Some(flag)
    }

    /// The checked future being polled, by the flag `flag` (null: none).
    #[inline(always)]
    fn polling_for(&self, flag: usize) -> *const TaskHeld {
        if flag & POLLING != 0 {
            self.polling.get()
        } else {
            std::ptr::null()
        }
    }
}

/// An async lock's acquisition under way on this thread, until dropped: its entry belongs to
/// the task (it may be held across an `.await` and released on another thread), so its borrows
/// ask which task runs even while no task's stack is announced.
#[cfg(feature = "tokio")]
pub(crate) struct AsyncOp {
    previous: bool,
}

#[cfg(feature = "tokio")]
impl AsyncOp {
    /// Marks the acquisition's start.
    #[inline(always)]
    pub(crate) fn enter() -> AsyncOp {
        AsyncOp {
            previous: state_cell().is_some_and(|c| {
                let flag = c.flag.get();
                c.flag.set(flag | ASYNC_OP);
                flag & ASYNC_OP != 0
            }),
        }
    }
}

#[cfg(feature = "tokio")]
impl Drop for AsyncOp {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(c) = state_cell() {
            let flag = c.flag.get() & !ASYNC_OP;
            c.flag
                .set(if self.previous { flag | ASYNC_OP } else { flag });
        }
    }
}

/// Makes `held` (a checked future's stack; null: none) the owner of the locks this thread
/// takes, returning the previous one (`task::polling`).
#[cfg(feature = "tokio")]
pub(crate) fn set_polling(held: *const TaskHeld) -> *const TaskHeld {
    state_cell().map_or(std::ptr::null(), |c| {
        let flag = c.flag.get() & !POLLING;
        c.flag
            .set(if held.is_null() { flag } else { flag | POLLING });
        c.polling.replace(held)
    })
}

/// The held stack the last borrow on this thread worked on: a task's or a checked future's
/// (null: the thread's own). Read right after a lock operation, it names the owner that
/// operation worked for.
#[cfg(feature = "tokio")]
pub(crate) fn last_owner() -> *const TaskHeld {
    state_cell().map_or(std::ptr::null(), |c| c.last_owner.get())
}

/// The checked future being polled on this thread (null: none).
#[cfg(feature = "tokio")]
pub(crate) fn polling() -> *const TaskHeld {
    state_cell().map_or(std::ptr::null(), |c| c.polling.get())
}

/// This thread's number, lockcheck's own (1, 2, ...; never reused): it names the thread as the
/// owner of a wait (`waits.rs`). Assigned on first need.
pub(crate) fn thread_number() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static NUMBER: Cell<u64> = const { Cell::new(0) };
    }
    NUMBER
        .try_with(|n| {
            if n.get() == 0 {
                n.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            n.get()
        })
        .unwrap_or(0)
}

/// With the `tokio` feature: releases the lock at `instance` from the thread's own held stack,
/// without asking whose stack is in use, when it is that stack's top entry and held exclusive
/// (then no task or checked future can hold it too: it is the thread's), or in any mode when
/// `any_mode` (the guard's holder is this thread: the entry is known to be on its stack). The
/// release of a lock taken outside any task skips the owner lookup this way.
#[cfg(feature = "tokio")]
#[inline(always)]
pub(crate) fn release_thread_top(instance: usize, any_mode: bool) -> bool {
    let Some(cell) = state_cell() else {
        return false;
    };
    if cell.flag.get() & !OWNER_BITS != 0 {
        return false;
    }
    // SAFETY: the flag says no borrow is live on this thread, and none starts while this one
    // runs (it calls nothing).
    let state = unsafe { &mut *cell.state.get() };
    match state.held.last() {
        Some(h) if h.instance == instance && (any_mode || h.mode() == Mode::Exclusive) => {
            state.held.pop();
            cell.own_len.set(state.held.len());
            true
        }
        _ => false,
    }
}

/// Whether the thread's own stack may hold a lock, read without a borrow: `false` when the last
/// borrow left it empty (a notify with nothing held is then one load). A borrow live further up
/// this thread's stack may have pushed since; the caller then checks nothing, as a failed borrow
/// would.
#[cfg(not(feature = "tokio"))]
#[inline(always)]
pub(crate) fn own_stack_may_hold() -> bool {
    state_cell().is_some_and(|cell| cell.own_len.get() != 0)
}

/// Whether the thread's own stack holds a lock other than the one at `own` (a condvar's own
/// mutex), looked at without a borrow: `false` when the state is borrowed or busy (the caller
/// then checks nothing, as a failed borrow would).
#[cfg(not(feature = "tokio"))]
#[inline(always)]
pub(crate) fn own_stack_beyond(own: usize) -> bool {
    let Some(cell) = state_cell() else {
        return false;
    };
    if cell.flag.get() != 0 {
        return false;
    }
    // SAFETY: the flag is 0: no borrow is live on this thread, and none starts while this
    // read runs (it calls nothing).
    let state = unsafe { &*cell.state.get() };
    holds_beyond(&state.held, own)
}

/// Whether `held` has a lock other than the one at `own` (a condvar's own mutex): what a
/// waking must order itself before.
#[cfg(not(feature = "tokio"))]
#[inline(always)]
pub(crate) fn holds_beyond(held: &[HeldLock], own: usize) -> bool {
    match held {
        [] => false,
        [h] => h.instance != own,
        _ => true,
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
            c.flag.set(flag & (BUSY - 1));
            flag & !(BUSY - 1)
        }
        None => 0,
    }
}

/// Puts back busy levels taken by [`take_busy`].
pub(crate) fn restore_busy(levels: usize) {
    if let Some(c) = state_cell() {
        c.flag.set((c.flag.get() & (BUSY - 1)) | levels);
    }
}

/// See [`crate::internal::Busy`].
pub(crate) fn leave_busy() {
    if let Some(c) = state_cell() {
        let flag = c.flag.get();
        if flag >= BUSY {
            c.flag.set(flag - BUSY);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::ThreadState;
    use crate::held_lock::HeldLock;
    use crate::key::{ClassId, LockKey};
    use crate::mode::Mode;

    fn entry(instance: usize, class: u32, mode: Mode) -> HeldLock {
        HeldLock::new(
            instance,
            LockKey::new(ClassId::for_test(class), 0),
            mode,
            Location::caller(),
        )
    }

    /// The first hold of a thread (and the first after its exit report) asks for the exit
    /// report to be armed; later ones, however deep, never do.
    #[test]
    fn only_the_first_hold_arms_the_exit_report() {
        let mut s = ThreadState::new();
        assert!(s.mark_held(&entry(1, 1, Mode::Exclusive)));
        for i in 2..40 {
            assert!(
                !s.mark_held(&entry(i, i as u32, Mode::Exclusive)),
                "entry {i}"
            );
        }
        assert_eq!(s.take_at_exit().len(), 39);
        assert!(s.held().is_empty());
        assert!(
            s.reserve_one(),
            "a lock used after the exit report arms it again"
        );
        assert!(!s.mark_held(&entry(1, 1, Mode::Exclusive)));
    }

    /// Guards may be dropped in any order: the release finds its own entry, keeps the others
    /// in acquisition order, and a mode change touches only its lock's entry.
    #[test]
    fn releases_in_any_order_keep_the_stack_true() {
        let mut s = ThreadState::new();
        for i in 1..=3 {
            let _ = s.mark_held(&entry(i, i as u32, Mode::Exclusive));
        }
        assert!(!s.mark_released_top(1), "not the top entry");
        assert_eq!(s.mark_released(1).map(|h| h.instance), Some(1));
        assert_eq!(
            s.held().iter().map(|h| h.instance).collect::<Vec<_>>(),
            [2, 3]
        );
        s.mark_mode(2, Mode::Shared);
        assert_eq!(s.held()[0].mode(), Mode::Shared);
        assert_eq!(s.held()[1].mode(), Mode::Exclusive);
        assert!(s.mark_released_top(3));
        assert!(
            s.mark_released(9).is_none(),
            "a lock never held has no entry"
        );
        assert_eq!(s.held().len(), 1);
    }

    /// The fast path clears an acquisition only when every held lock's edge into it is known
    /// and none is the same lock or class: a recursive acquisition or a second lock of the
    /// class always goes to the slow path.
    #[test]
    fn the_fast_path_clears_only_known_edges() {
        let mut s = ThreadState::new();
        let a = entry(1, 1, Mode::Exclusive);
        let b = entry(2, 2, Mode::Exclusive);
        let _ = s.mark_held(&a);
        assert!(!s.knows_every_edge_into(&b, 0), "a -> b is not known yet");
        s.edges_mut().learn(a.key().edge_bits(b.key()), Vec::new());
        assert!(s.knows_every_edge_into(&b, 0));
        assert!(!s.knows_every_edge_into(&a, 0), "a again: recursive");
        let a2 = entry(3, 1, Mode::Exclusive);
        assert!(
            !s.knows_every_edge_into(&a2, 0),
            "another lock of a's class"
        );
        assert!(
            !s.knows_every_edge_into(&b, 1),
            "a new rank epoch forgets what was known"
        );
    }

    /// A gated edge is known only while its whole gate is held.
    #[test]
    fn a_gated_edge_is_known_only_under_its_gate() {
        let mut s = ThreadState::new();
        let (g, a, b) = (
            entry(1, 1, Mode::Exclusive),
            entry(2, 2, Mode::Exclusive),
            entry(3, 3, Mode::Exclusive),
        );
        s.edges_mut().learn(
            a.key().edge_bits(b.key()),
            g.as_gate().into_iter().collect(),
        );
        let _ = s.mark_held(&a);
        assert!(!s.knows_every_edge_into(&b, 0), "gate not held");
        s.mark_released(2);
        let _ = s.mark_held(&g);
        let _ = s.mark_held(&a);
        assert!(!s.knows_every_edge_into(&b, 0), "g -> b is not known yet");
        s.edges_mut().learn(g.key().edge_bits(b.key()), Vec::new());
        assert!(
            s.knows_every_edge_into(&b, 0),
            "gate held, every edge known"
        );
    }
}

/// Lending a task's stack to a borrow and giving it back, in each of the three ways
/// ([`Lent`]): whatever buffers change hands, the thread's entries stay the thread's, the
/// task's the task's, and a push lands on the stack the borrow works on.
#[cfg(all(test, feature = "tokio"))]
mod lend_tests {
    use std::panic::Location;

    use super::{Lent, ThreadState};
    use crate::held_lock::HeldLock;
    use crate::key::{ClassId, LockKey};
    use crate::mode::Mode;
    use crate::task_held::{stack_of, TaskHeld};

    fn entry(instance: usize) -> HeldLock {
        HeldLock::new(
            instance,
            LockKey::new(ClassId::for_test(instance as u32), 0),
            Mode::Exclusive,
            Location::caller(),
        )
    }

    fn instances(stack: &[HeldLock]) -> Vec<usize> {
        stack.iter().map(|h| h.instance).collect()
    }

    /// The task's stack as it is between borrows.
    fn task_stack(task: &TaskHeld) -> Vec<usize> {
        // SAFETY: single-threaded test; no borrow holds it now.
        instances(unsafe { &*stack_of(task) })
    }

    /// One borrow of `task`'s stack: lent (`beside`: for a blocking lock's operation), `f`
    /// run on the state, given back.
    fn borrow(
        s: &mut ThreadState,
        task: &TaskHeld,
        beside: bool,
        f: impl FnOnce(&mut ThreadState),
    ) {
        // SAFETY: single-threaded test: the stack is this test's alone until `give_back`.
        unsafe {
            if beside {
                s.lend_beside(task);
            } else {
                s.lend(task);
            }
            f(s);
            s.give_back(task);
        }
        assert!(s.lent == Lent::No);
        assert!(s.joined.is_empty(), "nothing stays joined between borrows");
    }

    #[test]
    fn an_empty_thread_lends_its_buffer_and_gets_the_entries_right() {
        let mut s = ThreadState::new();
        let task = TaskHeld::of_task();
        // Both empty: the task's entry is pushed on whichever buffer, and ends up the task's.
        borrow(&mut s, &task, false, |s| {
            assert!(s.holds_nothing());
            let _ = s.mark_held(&entry(1));
        });
        assert_eq!(task_stack(&task), [1]);
        assert!(s.held().is_empty(), "the thread holds nothing");
        // The task holds one: swapped in, the second pushed after it.
        borrow(&mut s, &task, false, |s| {
            assert_eq!(instances(s.held()), [1]);
            assert!(s.joined().is_empty());
            let _ = s.mark_held(&entry(2));
        });
        assert_eq!(task_stack(&task), [1, 2]);
        // Both released: the task's stack is empty again, the thread's too.
        borrow(&mut s, &task, false, |s| {
            assert!(s.mark_released_top(2));
            assert_eq!(s.mark_released(1).map(|h| h.instance), Some(1));
        });
        assert!(task_stack(&task).is_empty());
        assert!(s.held().is_empty());
    }

    #[test]
    fn a_thread_that_holds_something_joins_it_to_the_tasks() {
        let mut s = ThreadState::new();
        let task = TaskHeld::of_task();
        let _ = s.mark_held(&entry(7));
        borrow(&mut s, &task, false, |s| {
            assert!(s.held().is_empty(), "the task's stack");
            assert_eq!(instances(s.joined()), [7], "the thread's, joined");
            assert!(!s.holds_nothing());
            let _ = s.mark_held(&entry(8));
            assert_eq!(
                instances(&s.held_all().copied().collect::<Vec<_>>()),
                [7, 8]
            );
            // The thread's own, at exit, is the joined one.
            assert_eq!(instances(&s.take_at_exit()), [7]);
        });
        assert_eq!(task_stack(&task), [8]);
        assert!(s.held().is_empty(), "taken at exit");
    }

    #[test]
    fn a_blocking_lock_in_a_task_stays_the_threads_beside_the_tasks() {
        let mut s = ThreadState::new();
        let task = TaskHeld::of_task();
        // A task with nothing: nothing is joined.
        borrow(&mut s, &task, true, |s| {
            assert!(s.joined().is_empty());
            let _ = s.mark_held(&entry(3));
        });
        assert!(task_stack(&task).is_empty());
        assert_eq!(instances(s.held()), [3]);
        // The task holds an async lock: joined beside the thread's for the check.
        borrow(&mut s, &task, false, |s| {
            let _ = s.mark_held(&entry(4));
        });
        assert_eq!(task_stack(&task), [4]);
        borrow(&mut s, &task, true, |s| {
            assert_eq!(instances(s.held()), [3], "the thread's, worked on");
            assert_eq!(instances(s.joined()), [4], "the task's, beside");
            let _ = s.mark_held(&entry(5));
            // A release finds the task's entry too.
            assert_eq!(s.mark_released(4).map(|h| h.instance), Some(4));
        });
        assert!(task_stack(&task).is_empty());
        assert_eq!(instances(s.held()), [3, 5]);
    }
}
