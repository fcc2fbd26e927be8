//! Thread-per-request code with unnamed, short-lived threads: the names the order graph keeps are
//! bounded, however many threads come and go. Each of a million threads nests two locks of one
//! site class (an instance order, which names the thread that took it) and exits.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use lockcheck::Mutex;

fn request() {
    // Two locks of one site class: nested, they are ordered per instance.
    let pair: Vec<Mutex<u8>> = (0..2).map(|_| Mutex::new(0)).collect();
    let _first = pair[0].lock();
    let _second = pair[1].lock();
}

#[test]
fn a_million_short_lived_threads_keep_a_bounded_set_of_names() {
    // A million in an optimized build; a debug build spawns threads ten times slower.
    const THREADS: usize = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    const AT_ONCE: usize = 32;
    let mut done = 0;
    while done < THREADS {
        let batch: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(request)
                    .unwrap()
            })
            .collect();
        for t in batch {
            t.join().unwrap();
        }
        done += AT_ONCE;
    }
    let kept = lockcheck::__private::thread_names_kept();
    // Every thread asked for its name to be kept; the first 1,024 were, the rest share one.
    assert_eq!(kept, 1024, "{kept} names kept after {done} threads");
    // Each thread's instance orders went with its locks.
    assert_eq!(lockcheck::__private::instance_orders_known(), 0);
}
