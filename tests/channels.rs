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

/// The other order, through `for m in &rx`: reported at the send. The channel is bounded, so
/// the send also waits for room holding `x`, which the receiver makes holding `x`: the second
/// way the two deadlock, said too.
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
        tx.send(2).unwrap(); // channel -> x, and x -> room
    });
    let send_line = line!() - 2;
    assert_eq!(found.len(), 2, "{found:#?}");
    for v in &found {
        assert_eq!(v.acquiring.site.line, send_line);
    }
    let texts: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(
        texts.iter().any(|t| t.contains("sent on `channel at")),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("sends, waiting for `room in channel at")
                && t.contains("received, making `room in channel at")),
        "{texts:#?}"
    );
}

/// A bounded channel's room: the sender holds `y` while it may wait for room, the receiver
/// holds `x` while it receives, and `x` is taken before `y` elsewhere. Full, the three stop:
/// reported (at the receive that closes it), though no lock is held at both ends.
#[test]
fn a_full_channel_whose_receiver_needs_what_blocks_the_sender_is_reported() {
    let (x, y) = (Mutex::named("room-x", ()), Mutex::named("room-y", ()));
    let (tx, rx) = mpsc::sync_channel(1);
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            let _y = y.lock(); // x -> y
        }
        {
            let _y = y.lock();
            tx.send(1).unwrap(); // y -> room
        }
        let _x = x.lock();
        assert_eq!(rx.recv(), Ok(1)); // room -> x: closes x -> y -> room -> x
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].acquiring.site.line, line!() - 3);
    let text = found[0].to_string();
    assert!(text.contains("may never be woken"), "{text}");
    assert!(
        text.contains("`room-y`") && text.contains("`room-x`"),
        "{text}"
    );
}

/// Its clean twins: the same on an unbounded channel (a send never waits), with `try_send`
/// (it never waits either), and on a bounded channel whose sender holds nothing the receiver's
/// locks come before: silent.
#[test]
fn sends_that_never_wait_for_room_are_silent() {
    let (x, y) = (Mutex::named("room2-x", ()), Mutex::named("room2-y", ()));
    let ((), found) = capture_violations(|| {
        {
            let _x = x.lock();
            let _y = y.lock(); // x -> y
        }
        let (tx, rx) = mpsc::channel();
        {
            let _y = y.lock();
            tx.send(1).unwrap();
        }
        let (stx, srx) = mpsc::sync_channel(1);
        {
            let _y = y.lock();
            stx.try_send(1).unwrap();
        }
        let (btx, brx) = mpsc::sync_channel(1);
        btx.send(1).unwrap();
        let _x = x.lock();
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(srx.recv(), Ok(1));
        assert_eq!(brx.recv(), Ok(1));
    });
    assert!(found.is_empty(), "{found:#?}");
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
