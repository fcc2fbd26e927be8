//! [`std::sync::mpsc`] with receives and sends ordered against the locks held: replace
//! `std::sync::mpsc` with `lockcheck::sync::mpsc` and nothing else changes.
//!
//! A channel is a class of the order graph (the place [`channel`] or [`sync_channel`] was
//! called). A blocking receive (`recv`, an iterator's next item) while holding `X` orders `X`
//! before the channel; a send while holding `X` orders the channel before `X`. Both seen is a
//! receive whose sender may never reach its send: the receiver holds what the sender needs
//! first. Reported in either order, on a run that does not hang.
//!
//! A bounded channel ([`sync_channel`]) has a second wait: its room. A blocking send
//! ([`SyncSender::send`], which waits while the channel is full) while holding `Y` orders `Y`
//! before the room; a receive of any kind (it makes room) while holding `X` orders the room
//! before `X`. With `X` taken before `Y` somewhere, a full channel can stop all three: the
//! sender waits for room holding `Y`, the receiver waits for `X` before it receives, `X`'s
//! holder waits for `Y`. The room is a class of its own (`room in channel at …`).
//!
//! Not counted, to stay precise: a receive that can give up (`try_recv`, `recv_timeout`,
//! `try_iter`) as a wait for a message (each still makes room), and `try_send` as a wait for
//! room. The error types are std's.
//!
//! # Examples
//!
//! ```
//! use lockcheck_runtime::sync::mpsc;
//!
//! let (tx, rx) = mpsc::channel();
//! std::thread::spawn(move || tx.send(7).unwrap());
//! assert_eq!(rx.recv(), Ok(7));
//! ```

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use crate::core::WaitPoint;
use crate::wait_class::WaitKind;

/// A new unbounded channel; its class is the caller's line.
///
/// # Examples
///
/// ```
/// let (tx, rx) = lockcheck_runtime::sync::mpsc::channel();
/// tx.send("hi").unwrap();
/// assert_eq!(rx.recv().unwrap(), "hi");
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let point = Arc::new(WaitPoint::at(Location::caller(), WaitKind::Channel));
    let (tx, rx) = std::sync::mpsc::channel();
    (
        Sender {
            inner: tx,
            point: Arc::clone(&point),
        },
        Receiver {
            inner: rx,
            point,
            room: None,
        },
    )
}

/// A new channel holding at most `bound` messages (0: each send waits for its receive); its
/// class is the caller's line.
///
/// # Examples
///
/// ```
/// let (tx, rx) = lockcheck_runtime::sync::mpsc::sync_channel(1);
/// tx.send(1).unwrap();
/// assert!(tx.try_send(2).is_err()); // full
/// assert_eq!(rx.recv().unwrap(), 1);
/// ```
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let point = Arc::new(WaitPoint::at(Location::caller(), WaitKind::Channel));
    let room = Arc::new(WaitPoint::at(Location::caller(), WaitKind::ChannelRoom));
    let (tx, rx) = std::sync::mpsc::sync_channel(bound);
    (
        SyncSender {
            inner: tx,
            point: Arc::clone(&point),
            room: Arc::clone(&room),
        },
        Receiver {
            inner: rx,
            point,
            room: Some(room),
        },
    )
}

/// [`std::sync::mpsc::Sender`]: a send orders the channel before the locks held.
pub struct Sender<T> {
    inner: std::sync::mpsc::Sender<T>,
    point: Arc<WaitPoint>,
}

impl<T> Sender<T> {
    /// Sends `t`; it comes back when the receiver is gone.
    ///
    /// # Errors
    ///
    /// The receiver was dropped.
    #[inline]
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.point.wake();
        self.inner.send(t)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            point: Arc::clone(&self.point),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// [`std::sync::mpsc::SyncSender`]: a send orders the channel before the locks held, and the
/// locks held before the channel's room (it waits for room while the channel is full).
pub struct SyncSender<T> {
    inner: std::sync::mpsc::SyncSender<T>,
    point: Arc<WaitPoint>,
    room: Arc<WaitPoint>,
}

impl<T> SyncSender<T> {
    /// Sends `t`, waiting for room while the channel is full.
    ///
    /// # Errors
    ///
    /// The receiver was dropped.
    ///
    /// # Panics
    ///
    /// On a violation (a wait for room its receiver may never make) under the default action,
    /// before it waits.
    #[inline]
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.point.wake();
        self.room.wait_at(Location::caller());
        self.inner.send(t)
    }

    /// Sends `t` if there is room now.
    ///
    /// # Errors
    ///
    /// The channel is full, or the receiver was dropped.
    #[inline]
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.point.wake();
        self.inner.try_send(t)
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        SyncSender {
            inner: self.inner.clone(),
            point: Arc::clone(&self.point),
            room: Arc::clone(&self.room),
        }
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// [`std::sync::mpsc::Receiver`]: a blocking receive orders the locks held before the channel;
/// on a bounded channel every receive orders its room before them.
pub struct Receiver<T> {
    inner: std::sync::mpsc::Receiver<T>,
    point: Arc<WaitPoint>,
    /// A bounded channel's room (`None`: unbounded).
    room: Option<Arc<WaitPoint>>,
}

impl<T> Receiver<T> {
    /// Waits for a message.
    ///
    /// # Errors
    ///
    /// Every sender is gone and the channel is empty.
    ///
    /// # Panics
    ///
    /// On a violation (a receive its sender may never reach) under the default action, before
    /// it waits.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_at(Location::caller())
    }

    #[track_caller]
    fn recv_at(&self, site: &'static Location<'static>) -> Result<T, RecvError> {
        self.point.wait_at(site);
        self.makes_room(site);
        self.inner.recv()
    }

    /// A receive at `site` makes room in a bounded channel (checked before it receives, so a
    /// violation's panic loses no message).
    #[inline]
    fn makes_room(&self, site: &'static Location<'static>) {
        if let Some(room) = &self.room {
            room.wake_at(site);
        }
    }

    /// A message if one is there (never waits: not ordered before the channel; on a bounded
    /// channel it makes room).
    ///
    /// # Errors
    ///
    /// Empty, or every sender is gone.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.makes_room(Location::caller());
        self.inner.try_recv()
    }

    /// Waits for a message at most `timeout` (it gives up: not ordered before the channel; on a
    /// bounded channel it makes room).
    ///
    /// # Errors
    ///
    /// Timed out, or every sender is gone.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.makes_room(Location::caller());
        self.inner.recv_timeout(timeout)
    }

    /// The messages, each waited for, until every sender is gone; each wait is checked at
    /// this call's line.
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            rx: self,
            site: Location::caller(),
        }
    }

    /// The messages there now.
    #[track_caller]
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter {
            rx: self,
            site: Location::caller(),
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T: 'a> {
    rx: &'a Receiver<T>,
    site: &'static Location<'static>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv_at(self.site).ok()
    }
}

/// [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T: 'a> {
    rx: &'a Receiver<T>,
    site: &'static Location<'static>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.makes_room(self.site);
        self.rx.inner.try_recv().ok()
    }
}

/// The receiver as an iterator (`for m in rx`); each wait is checked at the `into_iter` call.
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
    site: &'static Location<'static>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv_at(self.site).ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    #[track_caller]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            rx: self,
            site: Location::caller(),
        }
    }
}
