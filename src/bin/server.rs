//! The service worker's Rust: trunk builds this into `server-<hash>.js` + `server-<hash>_bg.wasm`
//! (a no-modules bundle, `data-type="worker"` in index.html), which `static/sw.js` loads and
//! calls for every request under `api/` of its scope (the site's folder). The server itself is
//! `asyncscope::server`.

use wasm_bindgen::prelude::*;

/// `event.respondWith(ready.then(() => wasm_bindgen.handle(event.request, event.clientId)))`.
#[wasm_bindgen]
pub async fn handle(
    request: web_sys::Request,
    client_id: String,
) -> Result<web_sys::Response, JsValue> {
    asyncscope::server::handle(request, client_id).await
}

fn main() {}
