//! An async service with a lock-order inversion between two tasks, and a blocking lock held
//! across an `.await`, checked by lockcheck's tokio support (per-task held sets): both are
//! reported on a run where nothing deadlocks, then the fixed versions run clean under load.
//!
//! Run it with `cargo run --example async_service --features tokio`.

mod service;

use lockcheck::{set_action, Action};
use service::Service;

fn step(title: &str, text: &str) {
    println!("\n=== {title} ===\n{text}\n");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // The demo goes on after a violation: each is printed on stderr.
    set_action(Action::Log);
    let svc = Service::new();

    step(
        "1. an inversion between two tasks that does not deadlock on this run",
        "Handler tasks take sessions -> cache; later the evictor task takes cache -> sessions.\n\
         They never overlap here, but lockcheck learned the handlers' order per task and\n\
         reports the evictor's acquisition that closes the cycle:",
    );
    let handlers: Vec<_> = (0..4)
        .map(|user| {
            let svc = svc.clone();
            lockcheck::tokio::spawn(async move { svc.handle(user).await })
        })
        .collect();
    for h in handlers {
        h.await.expect("handler");
    }
    let evictor = svc.clone();
    let evicted = lockcheck::tokio::spawn(async move { evictor.evict_before_fix().await })
        .await
        .expect("evictor");
    println!("evicted {evicted} pages");

    step(
        "2. a blocking lock held across an .await",
        "The stats reporter holds the blocking `stats` lock while it sleeps; its task is\n\
         checked at each yield (lockcheck::tokio::spawn_local: a std-style guard is not Send):",
    );
    let local = tokio::task::LocalSet::new();
    let reporter = svc.clone();
    let count = local
        .run_until(async move {
            lockcheck::tokio::spawn_local(async move { reporter.report_stats_before_fix().await })
                .await
        })
        .await
        .expect("reporter");
    println!("{count} requests so far");

    step(
        "3. the fixed evictor and reporter, under load",
        "Forty handlers, the fixed evictor and reporter, all at once on two workers.",
    );
    let before = lockcheck::reported().len();
    service::run_fixed_under_load(&svc).await;
    println!(
        "done: {} new violations",
        lockcheck::reported().len() - before
    );

    step(
        "4. the lock-order report of the whole run",
        "Every class, every order the tasks learned with where it was first seen, the violations.",
    );
    println!("{}", lockcheck::report());
}
