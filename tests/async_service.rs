//! The async_service example's scenarios, asserted (its `service.rs` compiled in): the evictor's
//! inversion against the handlers is reported though the tasks never overlap, the stats
//! reporter's blocking lock across an `.await` is reported, and the fixed versions run clean
//! under load.
#![cfg(all(feature = "tokio", any(debug_assertions, feature = "release-checks")))]

#[path = "../examples/async_service/service.rs"]
mod service;

use service::Service;

#[test]
fn the_demo_scenarios() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let svc = Service::new();
    rt.block_on(async {
        // 1. Handlers (sessions -> cache), then the evictor (cache -> sessions).
        for user in 0..4 {
            let svc = svc.clone();
            lockcheck::tokio::spawn(async move { svc.handle(user).await })
                .await
                .unwrap();
        }
        let evictor = svc.clone();
        let evicted =
            lockcheck::tokio::spawn(async move { evictor.evict_before_fix().await }).await;
        assert!(evicted.unwrap_err().is_panic(), "the inversion is reported");

        // 2. The stats reporter sleeps holding the blocking `stats` lock.
        let local = tokio::task::LocalSet::new();
        let reporter = svc.clone();
        let reported = local
            .run_until(async move {
                lockcheck::tokio::spawn_local(
                    async move { reporter.report_stats_before_fix().await },
                )
                .await
            })
            .await;
        assert!(reported.unwrap_err().is_panic());
    });
    let violations = lockcheck::reported();
    let kinds: Vec<&str> = violations.iter().map(|v| v.kind_name()).collect();
    assert_eq!(
        kinds,
        ["order-cycle", "held-across-await"],
        "{violations:?}"
    );
    let cycle = violations[0].to_string();
    assert!(
        cycle.contains("lock order inversion between `cache` and `sessions`"),
        "{cycle}"
    );
    assert!(cycle.contains("task "), "names the task: {cycle}");
    assert!(violations[1].to_string().contains("`stats`"));

    // 3. The fixed versions, all at once: nothing new.
    rt.block_on(async {
        service::run_fixed_under_load(&svc).await;
    });
    assert_eq!(lockcheck::reported().len(), 2);
}
