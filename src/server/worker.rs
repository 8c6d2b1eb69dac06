//! The service worker's entry: answers a fetch event's request and posts its log entry to the
//! page that made it.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::handler::{respond, LogSink};
use super::log::LogEntry;

/// Answers `request`, made by the client (page) `client_id` (`FetchEvent.clientId`), to which
/// the request's log entry goes when it is over.
pub async fn handle(
    request: web_sys::Request,
    client_id: String,
) -> Result<web_sys::Response, JsValue> {
    respond(request, post_to(client_id)).await
}

/// Posts each entry to the client `client_id`, if it is still there.
fn post_to(client_id: String) -> LogSink {
    Rc::new(move |entry: LogEntry| {
        let Ok(scope) = js_sys::global().dyn_into::<web_sys::ServiceWorkerGlobalScope>() else {
            return;
        };
        let found = scope.clients().get(&client_id);
        let message = JsValue::from_str(&entry.to_message());
        spawn_local(async move {
            // A client that has gone (a closed tab) resolves to undefined: nothing to tell.
            if let Ok(client) = JsFuture::from(found).await {
                if let Ok(client) = client.dyn_into::<web_sys::Client>() {
                    let _ = client.post_message(&message);
                }
            }
        });
    })
}
