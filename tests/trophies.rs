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
