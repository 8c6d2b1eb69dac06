//! The blocking lesson's Web Worker: the page's CPU loop ([`Crunch`]) run on a thread of its
//! own. The chat lesson asks it to join its room instead ([`WorkerJob`]). Trunk builds it into `worker.js` + `worker_bg.wasm` (a no-modules bundle, see
//! index.html); static/crunch_worker.js starts it; the page speaks to it in JSON text
//! ([`ToWorker`] in, [`FromWorker`] out) through `postMessage`.
//!
//! [`Crunch`]: asyncscope::lessons::blocking::Crunch
//! [`ToWorker`]: asyncscope::lessons::blocking::ToWorker
//! [`FromWorker`]: asyncscope::lessons::blocking::FromWorker
//! [`WorkerJob`]: asyncscope::lessons::chat::WorkerJob

#[cfg(target_arch = "wasm32")]
fn main() {
    use asyncscope::lessons::blocking::{answer, FromWorker};
    use asyncscope::lessons::chat::{serve_in_worker, WorkerJob};
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
                // The chat lesson's job: join its room; the worker answers there, not here.
                Some(text) => match WorkerJob::parse(&text) {
                    Some(WorkerJob::JoinChat { channel, name }) => {
                        match serve_in_worker(&channel, &name) {
                            Ok(()) => return,
                            Err(e) => FromWorker::Failed {
                                error: e.to_string(),
                            },
                        }
                    }
                    // now_ms is this worker's own performance.now().
                    None => answer(&text, now_ms),
                },
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
