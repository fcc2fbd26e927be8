//! The lint's trophies (docs/trophies.md) reproduced at run time: each published crate's two code
//! paths, cut down to their locks and calls (same lock kinds, same order of acquisitions, same
//! guard lifetimes; the GPU work between them left out), run on lockcheck's `parking_lot` flavour,
//! which the crates use. Each is reported by the runtime as the lint reports it from source, on a
//! run that does not hang: the reproduction the upstream report would carry, for code this
//! machine cannot reach for real (a GPU device, a browser's WebGL context).
#![cfg(all(
    feature = "parking_lot",
    any(debug_assertions, feature = "release-checks")
))]

use std::panic::{catch_unwind, AssertUnwindSafe};

use lockcheck::parking_lot::{Mutex, RwLock};
use lockcheck::{capture_violations, Violation, ViolationKind};

fn on_thread(f: impl FnOnce() + Send + 'static) -> Vec<Violation> {
    std::thread::spawn(move || capture_violations(|| catch_unwind(AssertUnwindSafe(f))).1)
        .join()
        .unwrap()
}

/// wgpu-core 30.0.2, `src/resource.rs`: `Blas::prepare_compact_async` holds
/// `compacted_state` (line 2600) and, when the device's queue was dropped, calls
/// `read_back_compact_size` (line 2621), which locks it again (line 2634). parking_lot's mutex
/// is not re-entrant: the thread would wait for itself. lockcheck refuses the second lock.
mod wgpu_core_blas {
    use super::Mutex;

    pub(super) struct Blas {
        pub(super) compacted_state: Mutex<u32>,
        pub(super) queue: Option<()>,
    }

    impl Blas {
        pub(super) fn prepare_compact_async(&self) {
            let mut state = self.compacted_state.lock();
            *state = 1;
            if self.queue.is_none() {
                self.read_back_compact_size();
            }
        }

        fn read_back_compact_size(&self) {
            let mut state = self.compacted_state.lock();
            *state = 2;
        }
    }
}

#[test]
fn wgpu_core_blas_prepare_compact_async_locks_compacted_state_twice() {
    // The queue is there: one lock, nothing to say.
    let found = on_thread(|| {
        wgpu_core_blas::Blas {
            compacted_state: Mutex::new(0),
            queue: Some(()),
        }
        .prepare_compact_async()
    });
    assert!(found.is_empty(), "{found:#?}");
    // The queue was dropped: the second lock would wait forever.
    let found = on_thread(|| {
        wgpu_core_blas::Blas {
            compacted_state: Mutex::new(0),
            queue: None,
        }
        .prepare_compact_async()
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::RecursiveLock { .. }),
        "{found:#?}"
    );
}

/// wgpu-core 30.0.2, `src/device/queue.rs`: `copy_external_image_to_texture` (webgl) holds
/// `pending_writes` (line 1186) and the device's `trackers` (line 1210) when it reads the snatch
/// lock (line 1221); `write_buffer` reads the snatch lock (line 670), then locks
/// `pending_writes` (line 671). parking_lot's `RwLock` is fair: a writer of the snatch lock
/// (resource destruction) queued between the two reads blocks the second, and the three wait in
/// a ring. Against wgpu's own rank table too (snatch lock, then pending writes, then trackers).
mod wgpu_core_queue {
    use super::{Mutex, RwLock};

    pub(super) struct Device {
        pub(super) snatchable_lock: RwLock<()>,
        pub(super) trackers: Mutex<u32>,
    }

    pub(super) struct Queue {
        pub(super) device: Device,
        pub(super) pending_writes: Mutex<u32>,
    }

    impl Queue {
        pub(super) fn write_buffer(&self) {
            let _snatch_guard = self.device.snatchable_lock.read();
            let mut pending_writes = self.pending_writes.lock();
            *pending_writes += 1;
        }

        pub(super) fn copy_external_image_to_texture(&self) {
            let mut pending_writes = self.pending_writes.lock();
            let mut trackers = self.device.trackers.lock();
            let _snatch_guard = self.device.snatchable_lock.read();
            *pending_writes += 1;
            *trackers += 1;
        }
    }
}

#[test]
fn wgpu_core_copy_external_image_to_texture_inverts_the_snatch_lock() {
    use std::sync::Arc;
    let queue = Arc::new(wgpu_core_queue::Queue {
        device: wgpu_core_queue::Device {
            snatchable_lock: RwLock::new(()),
            trackers: Mutex::new(0),
        },
        pending_writes: Mutex::new(0),
    });
    let q = Arc::clone(&queue);
    assert!(on_thread(move || q.write_buffer()).is_empty());
    let q = Arc::clone(&queue);
    let found = on_thread(move || q.copy_external_image_to_texture());
    // Two, as the lint's two pairs: `pending_writes -> snatch` against `snatch ->
    // pending_writes`, and `trackers -> snatch` against `snatch -> pending_writes -> trackers`.
    assert_eq!(found.len(), 2, "{found:#?}");
    let lengths: Vec<usize> = found
        .iter()
        .map(|v| match &v.kind {
            ViolationKind::OrderCycle { cycle, .. } => cycle.len(),
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(lengths, [2, 3], "{found:#?}");
    assert!(
        found.iter().all(|v| v.acquiring.class.contains("RwLock")),
        "{found:#?}"
    );
}

/// wgpu-hal 30.0.2, `src/gles/web.rs`: `Surface::configure` holds `texture` (line 382) when it
/// takes `swapchain.write()` (line 434); `Surface::present` holds `swapchain.read()` (line 269)
/// when it takes `texture.lock()` (line 287). Both parking_lot locks: one thread in `configure`
/// holds `texture` and waits to write `swapchain`, another in `present` reads `swapchain` and
/// waits for `texture`.
mod wgpu_hal_web {
    use super::{Mutex, RwLock};

    pub(super) struct Surface {
        pub(super) texture: Mutex<Option<u32>>,
        pub(super) swapchain: RwLock<Option<u32>>,
    }

    impl Surface {
        pub(super) fn configure(&self) {
            let mut texture = self.texture.lock();
            *texture = Some(1);
            let mut swapchain = self.swapchain.write();
            *swapchain = Some(1);
        }

        pub(super) fn present(&self) {
            let swapchain = self.swapchain.read();
            let bound = *self.texture.lock();
            assert_eq!(bound, *swapchain);
        }
    }
}

#[test]
fn wgpu_hal_web_surface_takes_texture_and_swapchain_in_both_orders() {
    use std::sync::Arc;
    let surface = Arc::new(wgpu_hal_web::Surface {
        texture: Mutex::new(None),
        swapchain: RwLock::new(None),
    });
    let s = Arc::clone(&surface);
    assert!(on_thread(move || s.configure()).is_empty());
    let s = Arc::clone(&surface);
    let found = on_thread(move || s.present());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::OrderCycle { .. }),
        "{found:#?}"
    );
    // The report names the line of `present` that closes it.
    assert!(found[0].acquiring.site.file.ends_with("tests/trophies.rs"));
}

/// datafusion 55.2.0, `src/execution/context/mod.rs`: `SessionContext::drop_schema` holds
/// `self.state.read()` (line 1082) and, for `DROP SCHEMA IF EXISTS` of a catalog that does not
/// exist, calls `self.return_empty_dataframe()` (line 1092), whose `self.state()` (line 2055)
/// reads `self.state` again; `execute_prepared` holds `let state = self.state.read()` (line
/// 1561) to its end and calls `self.state()` (line 1605). parking_lot's `RwLock` is fair: a
/// writer (`register_udf`, `register_variable`, ... `self.state.write()`) queued between the two
/// reads blocks the second, and the writer waits for the first.
mod datafusion_context {
    use super::RwLock;

    pub(super) struct SessionContext {
        pub(super) state: RwLock<Vec<&'static str>>,
    }

    impl SessionContext {
        pub(super) fn state(&self) -> Vec<&'static str> {
            self.state.read().clone()
        }

        fn return_empty_dataframe(&self) -> usize {
            self.state().len()
        }

        pub(super) fn drop_schema(&self, catalog_name: &str, allow_missing: bool) -> usize {
            let catalog = {
                let state = self.state.read();
                if let Some(catalog) = state.iter().position(|c| *c == catalog_name) {
                    catalog
                } else if allow_missing {
                    return self.return_empty_dataframe();
                } else {
                    return 0;
                }
            };
            catalog + 1
        }

        pub(super) fn execute_prepared(&self) -> usize {
            let state = self.state.read();
            let n = state.len();
            n + self.state().len()
        }

        pub(super) fn register_catalog(&self, name: &'static str) {
            self.state.write().push(name);
        }
    }
}

#[test]
fn datafusion_drop_schema_if_exists_reads_the_session_state_twice() {
    let ctx = || datafusion_context::SessionContext {
        state: RwLock::new(vec!["datafusion"]),
    };
    // A writer of the state, and a schema of a catalog that exists: one read at a time.
    let found = on_thread(move || {
        let ctx = ctx();
        ctx.register_catalog("other");
        assert_eq!(ctx.drop_schema("other", true), 2);
    });
    assert!(found.is_empty(), "{found:#?}");
    // `DROP SCHEMA IF EXISTS missing.s`: the second read, under the first.
    let found = on_thread(move || {
        ctx().drop_schema("missing", true);
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::RecursiveLock { .. }),
        "{found:#?}"
    );
    // `EXECUTE`: the same, on every call.
    let found = on_thread(move || {
        ctx().execute_prepared();
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::RecursiveLock { .. }),
        "{found:#?}"
    );
}

/// headless_chrome 1.0.22, `src/browser/mod.rs`: `Browser::wait_for_initial_tab` matches on
/// `util::Wait::with_timeout(*self.default_timeout.read().unwrap()).until(..)` (line 240): the
/// read guard is a temporary of the scrutinee and lives through the arms, and the `Err` arm (no
/// tab appeared within the timeout) calls `self.new_tab()` (line 244), which reads
/// `self.default_timeout` again (line 305). std's `RwLock` (futex-based on Linux) makes a new
/// reader wait behind a queued writer: `set_default_timeout` (line 226) on another thread during
/// the wait deadlocks both. Modelled on `lockcheck::sync`, std's API.
mod headless_chrome_browser {
    use lockcheck::sync::{Mutex, RwLock};
    use std::time::Duration;

    pub(super) struct Browser {
        pub(super) default_timeout: RwLock<Duration>,
        pub(super) tabs: Mutex<Vec<u32>>,
    }

    fn wait_with_timeout<T>(_timeout: Duration, f: impl Fn() -> Option<T>) -> Result<T, ()> {
        f().ok_or(())
    }

    impl Browser {
        pub(super) fn wait_for_initial_tab(&self) -> u32 {
            match wait_with_timeout(*self.default_timeout.read().unwrap(), || {
                self.tabs.lock().unwrap().first().cloned()
            }) {
                Ok(tab) => tab,
                Err(_) => self.new_tab(),
            }
        }

        fn new_tab(&self) -> u32 {
            let timeout = *self.default_timeout.read().unwrap();
            let tab = timeout.as_secs() as u32;
            self.tabs.lock().unwrap().push(tab);
            tab
        }
    }
}

#[test]
fn headless_chrome_wait_for_initial_tab_reads_the_timeout_twice() {
    use std::time::Duration;
    let browser = |tabs: Vec<u32>| headless_chrome_browser::Browser {
        default_timeout: lockcheck::sync::RwLock::new(Duration::from_secs(20)),
        tabs: lockcheck::sync::Mutex::new(tabs),
    };
    // A tab is there: the `Ok` arm, one read.
    let found = on_thread(move || assert_eq!(browser(vec![7]).wait_for_initial_tab(), 7));
    assert!(found.is_empty(), "{found:#?}");
    // No tab within the timeout: `new_tab` reads the timeout under the scrutinee's guard.
    let found = on_thread(move || {
        browser(Vec::new()).wait_for_initial_tab();
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::RecursiveLock { .. }),
        "{found:#?}"
    );
}

/// celery 0.5.5, `src/broker/amqp.rs`: `AMQPBroker::close` takes `consume_channel.write()`,
/// `produce_channel.write()`, then `conn.lock()` (lines 341–343); `reconnect` takes
/// `conn.lock()`, then `consume_channel.write()`, `produce_channel.write()` and `queues.write()`
/// (lines 365, 372–374); `consume` holds `queues.read()` (line 250) when it reads
/// `consume_channel` (lines 256–257). The crate's locks are tokio's (`tokio::sync::{Mutex, RwLock}`):
/// two tasks in `close` and `reconnect` wait for each other forever. Cut down here to
/// `lockcheck::parking_lot`'s blocking locks, in the same order: the order is what is checked.
mod celery_amqp {
    use super::{Mutex, RwLock};

    pub(super) struct AMQPBroker {
        pub(super) conn: Mutex<u32>,
        pub(super) consume_channel: RwLock<u32>,
        pub(super) produce_channel: RwLock<u32>,
        pub(super) queues: RwLock<Vec<u32>>,
    }

    impl AMQPBroker {
        pub(super) fn consume(&self) -> u32 {
            *self.conn.lock() += 0;
            let queues = self.queues.read();
            let channel = *self.consume_channel.read();
            channel + queues.len() as u32
        }

        pub(super) fn close(&self) {
            let consume_channel = self.consume_channel.write();
            let produce_channel = self.produce_channel.write();
            let conn = self.conn.lock();
            assert!(*consume_channel + *produce_channel + *conn < u32::MAX);
        }

        pub(super) fn reconnect(&self) {
            let mut conn = self.conn.lock();
            *conn += 1;
            let mut consume_channel = self.consume_channel.write();
            let mut produce_channel = self.produce_channel.write();
            let mut queues = self.queues.write();
            *consume_channel = *conn;
            *produce_channel = *conn;
            queues.clear();
        }
    }
}

#[test]
fn celery_amqp_broker_close_and_reconnect_take_the_connection_in_both_orders() {
    use std::sync::Arc;
    let b = Arc::new(celery_amqp::AMQPBroker {
        conn: Mutex::new(0),
        consume_channel: RwLock::new(0),
        produce_channel: RwLock::new(0),
        queues: RwLock::new(Vec::new()),
    });
    // `reconnect` alone: one order (`conn`, then the channels, then `queues`), nothing to say.
    let b2 = Arc::clone(&b);
    assert!(on_thread(move || b2.reconnect()).is_empty());
    // Then `close` on the same broker: the channels, then `conn`.
    let b2 = Arc::clone(&b);
    let found = on_thread(move || b2.close());
    assert!(!found.is_empty(), "{found:#?}");
    assert!(
        found
            .iter()
            .all(|v| matches!(v.kind, ViolationKind::OrderCycle { .. })),
        "{found:#?}"
    );
    assert!(
        found.iter().all(|v| v.acquiring.class.contains("Mutex")),
        "`conn` closes each cycle: {found:#?}"
    );
    // `consume` after `reconnect`: `queues` against `consume_channel`.
    let b2 = Arc::clone(&b);
    let found = on_thread(move || {
        b2.consume();
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(found[0].kind, ViolationKind::OrderCycle { .. }),
        "{found:#?}"
    );
}
