//! Which call the instance was running when it trapped. A call's steps after
//! its first await run from wasm-bindgen's task queue (a microtask), where a
//! trap cannot be caught by the door that started the call: the door numbers
//! each call (`startCall()` before `run` / `handle`), the call's future
//! carries that number, and `pollingCall()` tells which one was being polled
//! when a trap came (js/instances.mjs rejects that call alone).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

thread_local! {
    /// The number the door gave the call it is starting (0: none).
    static STARTING: Cell<u32> = const { Cell::new(0) };
    /// The call whose future is being polled now (0: none).
    static POLLING: Cell<u32> = const { Cell::new(0) };
    static LAST: Cell<u32> = const { Cell::new(0) };
}

/// Numbers the next call (never 0); its future is spawned with this number.
#[wasm_bindgen(js_name = startCall)]
pub fn start_call() -> u32 {
    let call = LAST.with(|last| {
        let next = last.get().wrapping_add(1).max(1);
        last.set(next);
        next
    });
    STARTING.with(|s| s.set(call));
    call
}

/// The call being polled (0 when none is): read after a trap.
#[wasm_bindgen(js_name = pollingCall)]
pub fn polling_call() -> u32 {
    POLLING.with(Cell::get)
}

/// `future_to_promise` for a call the door numbered: each poll marks it.
pub(super) fn spawn<F>(future: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let call = STARTING.with(|s| s.replace(0));
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
