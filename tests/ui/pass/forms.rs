//! Every supported function form compiles with the attributes, and keeps its meaning.
use std::sync::Arc;

use lockcheck::{excludes_lock, requires_lock, Lockable, Mutex, RwLock};

static SCHED: Mutex<u32> = Mutex::named("sched", 0);

#[requires_lock(SCHED, "allm")]
#[excludes_lock(TRACE)]
pub fn free_fn() -> u32 {
    1
}

static TRACE: Mutex<()> = Mutex::named("trace", ());

pub trait Tr {
    fn m(&self) -> &Mutex<u32>;
    #[requires_lock(self.m())]
    fn default_body(&self) -> u32 {
        1
    }
}

pub struct S {
    m: Mutex<u32>,
    rw: RwLock<u32>,
}

impl Tr for S {
    fn m(&self) -> &Mutex<u32> {
        &self.m
    }
    #[requires_lock(self.m)]
    fn default_body(&self) -> u32 {
        2
    }
}

impl S {
    #[requires_lock(read(self.rw), self.m)]
    pub fn by_ref(&self) -> u32 {
        1
    }
    #[requires_lock(write(self.rw))]
    pub fn by_mut(&mut self) -> &mut u32 {
        self.rw.get_mut()
    }
    #[requires_lock(self.m)]
    pub fn by_value(self) -> Mutex<u32> {
        self.m
    }
    #[requires_lock(self.m)]
    pub fn returns_impl(&self) -> impl Iterator<Item = u32> {
        std::iter::once(1)
    }
    #[requires_lock(self.m)]
    pub fn early_return(&self, x: Option<u32>) -> Result<u32, String> {
        let x = x.ok_or_else(|| String::from("none"))?;
        if x == 0 {
            return Ok(0);
        }
        Ok(x)
    }
}

#[requires_lock(l)]
pub fn generic<L: Lockable + ?Sized, T: Default>(l: &L) -> T {
    T::default()
}

/// # Safety
/// Callers hold `m`.
#[requires_lock(m)]
pub unsafe fn unsafe_fn(m: &Mutex<u32>) -> u32 {
    0
}

#[requires_lock(m)]
pub async fn async_fn(m: Arc<Mutex<u32>>) -> u32 {
    0
}

#[requires_lock(m)]
pub fn with_inner_attribute(m: &Mutex<u32>) {
    #![allow(unused_variables)]
    let unused = 1;
}

fn main() {}
