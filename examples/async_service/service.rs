//! A small async key-value service: request handlers, a cache evictor, a stats reporter. Its
//! locks are `lockcheck::tokio`'s (and one std-flavoured lockcheck lock, for the stats).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lockcheck::tokio::Mutex;

/// Sessions by user, and a cache of rendered pages by user. The intended order: `sessions`
/// before `cache` (a handler looks the session up, then fills the cache).
pub(crate) struct Service {
    sessions: Mutex<HashMap<u32, u64>>,
    cache: Mutex<HashMap<u32, String>>,
    /// Request counts, behind a blocking lock: fine to take, not to hold across an `.await`.
    stats: lockcheck::Mutex<u64>,
}

impl Service {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Service {
            sessions: Mutex::named("sessions", HashMap::new()),
            cache: Mutex::named("cache", HashMap::new()),
            stats: lockcheck::Mutex::named("stats", 0),
        })
    }

    /// A request: the session, then the cache (sessions -> cache).
    pub(crate) async fn handle(&self, user: u32) -> String {
        let mut sessions = self.sessions.lock().await;
        let visits = sessions.entry(user).or_insert(0);
        *visits += 1;
        let page = format!("user {user}, visit {visits}");
        self.cache.lock().await.insert(user, page.clone());
        drop(sessions);
        *self.stats.lock() += 1;
        page
    }

    /// The evictor as first written: it walks the cache and, for each page, checks the
    /// session: cache -> sessions, the reverse of `handle`. A handler and the evictor running
    /// at the same moment wait for each other forever (two tasks parked, no thread stuck).
    pub(crate) async fn evict_before_fix(&self) -> usize {
        let mut cache = self.cache.lock().await;
        let sessions = self.sessions.lock().await;
        let before = cache.len();
        cache.retain(|user, _| sessions.get(user).is_some_and(|v| *v > 1));
        before - cache.len()
    }

    /// The fixed evictor: sessions, then cache, as `handle` takes them.
    pub(crate) async fn evict(&self) -> usize {
        let sessions = self.sessions.lock().await;
        let mut cache = self.cache.lock().await;
        let before = cache.len();
        cache.retain(|user, _| sessions.get(user).is_some_and(|v| *v > 1));
        before - cache.len()
    }

    /// The stats reporter as first written: it holds the blocking `stats` lock while it
    /// sleeps. Every other task on this worker that counts a request blocks the worker thread.
    pub(crate) async fn report_stats_before_fix(&self) -> u64 {
        let stats = self.stats.lock();
        tokio::time::sleep(Duration::from_millis(5)).await;
        *stats
    }

    /// The fixed reporter: reads the count, releases the lock, then sleeps.
    pub(crate) async fn report_stats(&self) -> u64 {
        let count = *self.stats.lock();
        tokio::time::sleep(Duration::from_millis(5)).await;
        count
    }
}

/// The fixed service under load: forty handlers, the fixed evictor and reporter, all at once,
/// each a checked task.
pub(crate) async fn run_fixed_under_load(svc: &Arc<Service>) {
    let mut tasks = Vec::new();
    for user in 0..40 {
        let svc = Arc::clone(svc);
        tasks.push(lockcheck::tokio::spawn(async move {
            svc.handle(user % 7).await;
        }));
    }
    let evictor = Arc::clone(svc);
    tasks.push(lockcheck::tokio::spawn(async move {
        evictor.evict().await;
    }));
    let reporter = Arc::clone(svc);
    tasks.push(lockcheck::tokio::spawn(async move {
        reporter.report_stats().await;
    }));
    for t in tasks {
        t.await.expect("task");
    }
}
