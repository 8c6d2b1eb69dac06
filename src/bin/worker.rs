//! The blocking lesson's Web Worker: the page's CPU loop ([`Crunch`]) run on a thread of its
//! own. Trunk builds it into `worker.js` + `worker_bg.wasm` (a no-modules bundle, see
//! index.html); static/crunch_worker.js starts it; the page speaks to it in JSON text
//! ([`ToWorker`] in, [`FromWorker`] out) through `postMessage`.
//!
//! [`Crunch`]: asyncscope::scenarios::blocking::Crunch
//! [`ToWorker`]: asyncscope::scenarios::blocking::ToWorker
//! [`FromWorker`]: asyncscope::scenarios::blocking::FromWorker

#[cfg(target_arch = "wasm32")]
fn main() {
    use asyncscope::scenarios::blocking::{answer, FromWorker};
    use asyncscope::trace::now_ms;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    // Loaded anywhere but a dedicated worker (a page, by mistake), it does nothing.
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let post = {
        let scope = scope.clone();
        move |reply: FromWorker| {
            // Fails only for values that cannot be cloned; a string always can.
            let _ = scope.post_message(&JsValue::from_str(&reply.to_json()));
        }
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let post = post.clone();
        move |event: MessageEvent| {
            let reply = match event.data().as_string() {
                // now_ms is this worker's own performance.now().
                Some(text) => answer(&text, now_ms),
                None => FromWorker::Failed {
                    error: "this worker reads JSON text, got another kind of value".to_string(),
                },
            };
            post(reply);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does: the page ends both with terminate().
    on_message.forget();
    post(FromWorker::Ready);
}

/// Built natively only so that `cargo test --bins` and clippy see it: it runs in a browser.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "worker is the blocking lesson's Web Worker: trunk builds it for wasm32 (see index.html)"
    );
    std::process::exit(2);
}
