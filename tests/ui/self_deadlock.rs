use lockcheck::{requires_lock, Mutex};

struct Trace {
    lock: Mutex<Vec<u64>>,
}

impl Trace {
    #[requires_lock(self.lock)]
    fn flush(&self) {
        let buf = self.lock.lock();
        drop(buf);
    }
}

fn main() {}
