//! A small port of the parts of Go's runtime scheduler that the `dropm` fix touches
//! (golang/go commit cea35baf: "runtime: hold sched.lock over traceThreadDestroy in dropm"),
//! with real OS threads standing in for Ms, checked by lockcheck.
//!
//! Run it with `cargo run --example go_sched`.

mod proc;
mod ranks;
mod trace;

use lockcheck::{set_action, Action};

fn step(title: &str, text: &str) {
    println!("\n=== {title} ===\n{text}\n");
}

fn main() {
    ranks::install();
    // The demo goes on after a violation: each is printed on stderr.
    set_action(Action::Log);

    step(
        "1. dropm before the fix",
        "A foreign thread gives its M back; dropm calls trace_thread_destroy, which is\n\
         #[requires_lock(SCHED)], without holding sched.lock. The contract catches it:",
    );
    std::thread::Builder::new()
        .name("cgo-callback".into())
        .spawn(|| proc::dropm_before_fix(proc::needm()))
        .expect("spawn")
        .join()
        .expect("thread");

    step(
        "2. the fixed dropm, under load",
        "Several foreign threads borrow an extra M (needm) and give it back (dropm) while\n\
         others allocate Ms (allocm, which destroys freed Ms' trace state under sched.lock).",
    );
    let before = lockcheck::reported().len();
    proc::run_concurrently(4, 4, 200);
    println!(
        "done: {} Ms allocated by 8 threads, {} new violations",
        proc::allm_len(),
        lockcheck::reported().len() - before
    );

    step(
        "3. a lock-order inversion that does not deadlock on this run",
        "A trace flusher takes trace.lock and then sched.lock, the reverse of allocm's\n\
         sched -> trace. The two never overlap here, but the learned order catches it.",
    );
    std::thread::Builder::new()
        .name("trace-flusher".into())
        .spawn(trace::flush_all)
        .expect("spawn")
        .join()
        .expect("thread");

    step(
        "4. the lock-order report of the whole run",
        "Every class, every learned order with where it was first seen, and the violations.",
    );
    println!("{}", lockcheck::report());
    let dir = std::path::Path::new("target/lockcheck");
    match lockcheck::write_report(dir) {
        Ok(json) => println!(
            "The report for programs is {} (JSON, schema v{}),\n\
             and its graph is {} (render it with `dot -Tsvg`).",
            json.display(),
            lockcheck::Report::SCHEMA_VERSION,
            json.with_extension("dot").display()
        ),
        Err(e) => eprintln!("could not write the report into {}: {e}", dir.display()),
    }
}
