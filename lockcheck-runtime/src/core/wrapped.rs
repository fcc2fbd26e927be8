//! With the checks compiled out (feature `tokio`): a tokio lock's future, its output wrapped.

/// With the checks compiled out: a tokio lock's own future, its guard wrapped when it is ready
/// by `wrap` (a newtype's constructor: zero-sized, so the future is tokio's size).
pub(crate) struct Wrapped<F, W> {
    future: F,
    wrap: W,
}

impl<F, W> Wrapped<F, W> {
    #[inline]
    pub(crate) fn new(future: F, wrap: W) -> Self {
        Wrapped { future, wrap }
    }
}

impl<F: std::future::Future, W: Fn(F::Output) -> G, G> std::future::Future for Wrapped<F, W> {
    type Output = G;

    #[inline]
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<G> {
        // SAFETY: `future` is structurally pinned (never moved out of a pinned `Wrapped`);
        // `wrap` is not pinned, and only called.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let future = unsafe { std::pin::Pin::new_unchecked(&mut this.future) };
        future.poll(cx).map(&this.wrap)
    }
}
