//! Features `tracing` and `log` (issue 26, item 5): each violation handed to an action is also
//! a `tracing` error event and a `log` record, with its kind, lock, site and thread; a program
//! that keeps its order emits none.
#![cfg(all(feature = "tracing", feature = "log", debug_assertions))]

use std::sync::Mutex as StdMutex;

use lockcheck_runtime::{set_action, Action, Mutex};

static RECORDS: StdMutex<Vec<String>> = StdMutex::new(Vec::new());
static EVENTS: StdMutex<Vec<String>> = StdMutex::new(Vec::new());

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

/// Collects each event's fields as `name=value`.
struct Collector;

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl tracing::Subscriber for Collector {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!(
            "{} {} ",
            event.metadata().level(),
            event.metadata().target()
        ));
        event.record(&mut fields);
        EVENTS.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn each_violation_is_a_tracing_event_and_a_log_record() {
    log::set_logger(&Logger).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    tracing::subscriber::set_global_default(Collector).unwrap();
    set_action(Action::Log);

    // The correct twin first: one order, taken again and again; nothing emitted.
    static A: Mutex<()> = Mutex::named("sink.a", ());
    static B: Mutex<()> = Mutex::named("sink.b", ());
    for _ in 0..3 {
        drop((A.lock(), B.lock()));
    }
    assert!(RECORDS.lock().unwrap().is_empty());
    assert!(EVENTS.lock().unwrap().is_empty());

    // The inversion: one event, one record.
    {
        let _b = B.lock();
        let _a = A.lock();
    }
    let records = RECORDS.lock().unwrap().clone();
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(
        records[0].starts_with("ERROR lockcheck possible deadlock: lock order inversion")
            && records[0].contains("kind=order-cycle lock=sink.a")
            && records[0].contains("tests/sinks.rs:"),
        "{records:?}"
    );
    let events = EVENTS.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert!(
        e.starts_with("ERROR lockcheck ")
            && e.contains("kind=order-cycle ")
            && e.contains("lock=sink.a ")
            && e.contains("held=sink.b at ")
            && e.contains("thread=each_violation_is_a_tracing_event_and_a_log_record "),
        "{e}"
    );
}
