//! The service worker's entry: answers a fetch event's request and sends its log entry to the
//! page that made it, in batches.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::handler::{respond, LogSink};
use crate::wire::LogEntry;

/// Entries wait this long for others before they are sent: a burst of requests costs one
/// message per page instead of one per request.
const BATCH_MS: u32 = 50;
/// A batch this big is sent at once; the outbox never holds more.
const MAX_BATCH: usize = 200;

/// Answers `request`, made by the client (page) `client_id` (`FetchEvent.clientId`), to which
/// the request's log entry goes when it is over.
pub async fn handle(
    request: web_sys::Request,
    client_id: String,
) -> Result<web_sys::Response, JsValue> {
    respond(request, log_to(client_id)).await
}

#[derive(Default)]
struct Outbox {
    entries: Vec<(String, LogEntry)>,
    scheduled: bool,
}

thread_local! {
    static OUTBOX: RefCell<Outbox> = RefCell::new(Outbox::default());
}

fn log_to(client_id: String) -> LogSink {
    Rc::new(move |entry: LogEntry| {
        let (full, schedule) = OUTBOX.with(|outbox| {
            let mut outbox = outbox.borrow_mut();
            outbox.entries.push((client_id.clone(), entry));
            let schedule = !outbox.scheduled;
            outbox.scheduled = true;
            (outbox.entries.len() >= MAX_BATCH, schedule)
        });
        if full {
            send();
        } else if schedule {
            spawn_local(async {
                TimeoutFuture::new(BATCH_MS).await;
                send();
            });
        }
    })
}

/// Sends what the outbox holds, one message per page.
fn send() {
    let entries = OUTBOX.with(|outbox| {
        let mut outbox = outbox.borrow_mut();
        outbox.scheduled = false;
        std::mem::take(&mut outbox.entries)
    });
    if entries.is_empty() {
        return;
    }
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::ServiceWorkerGlobalScope>() else {
        return;
    };
    let mut by_client: BTreeMap<String, Vec<LogEntry>> = BTreeMap::new();
    for (client, entry) in entries {
        by_client.entry(client).or_default().push(entry);
    }
    for (client_id, entries) in by_client {
        let found = scope.clients().get(&client_id);
        let message = JsValue::from_str(&LogEntry::to_message(&entries));
        spawn_local(async move {
            // A client that has gone (a closed tab) resolves to undefined: nothing to tell.
            if let Ok(client) = JsFuture::from(found).await {
                if let Ok(client) = client.dyn_into::<web_sys::Client>() {
                    let _ = client.post_message(&message);
                }
            }
        });
    }
}
