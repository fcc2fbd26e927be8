//! Channels as waits (issue 25): `lockcheck::sync::mpsc` orders the locks held before a
//! blocking receive and the channel before the locks a sender holds; a receive holding what its
//! sender held is reported in either order; receives that give up are silent.
#![cfg(any(debug_assertions, feature = "release-checks"))]

use std::time::Duration;

use lockcheck::{capture_violations, Mutex};

use lockcheck::sync::mpsc;

/// Sent on holding `x`, then received on holding `x` (the message was there: no hang):
/// reported at the receive.
#[test]
fn a_receive_holding_what_its_sender_held_is_reported() {
    let x = Mutex::new(());
    let (tx, rx) = mpsc::channel();
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            tx.send(1).unwrap(); // channel -> x
        }
        let _x = x.lock();
        assert_eq!(rx.recv(), Ok(1)); // x -> channel
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].acquiring.site.line, line!() - 3);
    let text = found[0].to_string();
    assert!(text.contains("receives on `channel at"), "{text}");
    assert!(text.contains("sent on `channel at"), "{text}");
}

/// The other order, through `for m in &rx`: reported at the send.
#[test]
fn a_send_holding_what_a_receiver_held_is_reported() {
    let x = Mutex::new(());
    let (tx, rx) = mpsc::sync_channel(4);
    let ((), found) = capture_violations(|| {
        tx.send(1).unwrap();
        drop(tx.clone());
        {
            let _x = x.lock();
            for m in rx.iter().take(1) {
                assert_eq!(m, 1); // x -> channel
            }
        }
        let _x = x.lock();
        tx.send(2).unwrap(); // channel -> x
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].acquiring.site.line, line!() - 3);
}

/// Receives that give up, and sends holding nothing the receiver holds: silent. A
/// pipeline of threads passing messages, each holding a lock of its own while it sends:
/// silent.
#[test]
fn clean_channels_are_silent() {
    let x = Mutex::new(());
    let (tx, rx) = mpsc::channel::<u32>();
    let ((), found) = capture_violations(|| {
        let _x = x.lock();
        assert!(rx.try_recv().is_err());
        assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
        assert_eq!(rx.try_iter().count(), 0);
        tx.send(3).unwrap();
    });
    assert!(found.is_empty(), "{found:#?}");
    let (tx2, rx2) = mpsc::channel::<u32>();
    let stage = lockcheck::thread::spawn(move || {
        let mine = Mutex::new(0u32);
        capture_violations(|| {
            for m in rx {
                let mut g = mine.lock();
                *g += m;
                tx2.send(*g).unwrap();
            }
        })
        .1
    });
    assert_eq!(rx2.recv(), Ok(3));
    drop(tx);
    assert!(stage.join().unwrap().is_empty());
    assert!(rx2.recv().is_err());
}
