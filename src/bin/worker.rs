//! The app's Web Worker: a thread of the page's own, with its own wasm instance. It runs the
//! jobs of the protocol in src/worker/ ([`Job`] in, [`Answer`] out, JS objects through
//! `postMessage`): CPU work off the page's thread (the blocking lesson) and the chat room's
//! server (the chat lesson, through src/chat/). Trunk builds it into `worker.js` +
//! `worker_bg.wasm` (a no-modules bundle, see index.html); static/crunch_worker.js starts it.
//!
//! [`Job`]: asyncscope::worker::Job
//! [`Answer`]: asyncscope::worker::Answer

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::cell::RefCell;

    use asyncscope::chat::{serve_in_worker, ChatServer};
    use asyncscope::trace::now_ms;
    use asyncscope::worker::{answer, Answer, Job};
    use gloo_events::EventListener;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    thread_local! {
        // What the worker keeps for its whole life: its message listener and the chat room it
        // serves. Held here rather than `forget()`-ten, so that they have an owner one can
        // name: the worker's one thread never ends (the page ends the worker with terminate(),
        // which runs no destructor), so these are never dropped while it runs.
        static LISTENER: RefCell<Option<EventListener>> = const { RefCell::new(None) };
        static ROOM: RefCell<Option<ChatServer>> = const { RefCell::new(None) };
    }

    // Loaded anywhere but a dedicated worker (a page, by mistake), it does nothing.
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let post = {
        let scope = scope.clone();
        move |reply: Answer| {
            // Fails only for values that cannot be cloned; a plain object of text and numbers
            // always can.
            let _ = scope.post_message(&reply.to_js());
        }
    };
    // One room a worker: the chat lesson starts a worker of its own for each run.
    let join_chat = |channel: &str, name: &str| {
        if ROOM.with(|room| room.borrow().is_some()) {
            return Err("this worker is in a room already".to_string());
        }
        let server = serve_in_worker(channel, name).map_err(|e| e.to_string())?;
        ROOM.with(|room| *room.borrow_mut() = Some(server));
        Ok(())
    };
    let listener = EventListener::new(&scope, "message", {
        let post = post.clone();
        move |event| {
            let job = match event.dyn_ref::<MessageEvent>() {
                Some(message) => Job::from_js(&message.data()),
                None => Err("a message event without a message".to_string()),
            };
            post(match job {
                // now_ms is this worker's own performance.now().
                Ok(job) => answer(job, now_ms, join_chat),
                Err(e) => Answer::Failed {
                    error: format!("not a job this worker knows: {e}"),
                },
            });
        }
    });
    LISTENER.with(|held| *held.borrow_mut() = Some(listener));
    post(Answer::Ready);
}

/// Built natively only so that `cargo test --bins` and clippy see it: it runs in a browser.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("worker is the app's Web Worker: trunk builds it for wasm32 (see index.html)");
    std::process::exit(2);
}
