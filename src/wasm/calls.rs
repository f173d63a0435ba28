//! Which call the instance was running when it trapped. A call's steps after
//! its first await run from wasm-bindgen's task queue (a microtask), where a
//! trap cannot be caught by the door that started the call: each future a
//! boundary call spawns is numbered (`takeSpawnedCall()` right after the
//! call tells the door its number, 0 when it spawned none), and
//! `pollingCall()` tells which one was being polled when a trap came
//! (js/instances.mjs rejects that call alone).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

thread_local! {
    /// The number of the future the last boundary call spawned (0: none).
    static SPAWNED: Cell<u32> = const { Cell::new(0) };
    /// The call whose future is being polled now (0: none).
    static POLLING: Cell<u32> = const { Cell::new(0) };
    static LAST: Cell<u32> = const { Cell::new(0) };
}

/// The number of the future the boundary call just made spawned, or 0; reset.
#[wasm_bindgen(js_name = takeSpawnedCall)]
pub fn take_spawned_call() -> u32 {
    SPAWNED.with(|s| s.replace(0))
}

/// The call being polled (0 when none is): read after a trap.
#[wasm_bindgen(js_name = pollingCall)]
pub fn polling_call() -> u32 {
    POLLING.with(Cell::get)
}

/// `future_to_promise`, numbered: each poll of the future marks it.
pub(super) fn spawn<F>(future: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let call = LAST.with(|last| {
        let next = last.get().wrapping_add(1).max(1);
        last.set(next);
        next
    });
    SPAWNED.with(|s| s.set(call));
    future_to_promise(Marked {
        call,
        inner: Box::pin(future),
    })
}

struct Marked<F> {
    call: u32,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Marked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        POLLING.with(|p| p.set(self.call));
        let polled = self.inner.as_mut().poll(cx);
        POLLING.with(|p| p.set(0));
        polled
    }
}
