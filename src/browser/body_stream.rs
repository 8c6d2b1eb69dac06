//! A GET whose body is read as it arrives, chunk by chunk (the body's `ReadableStream`), for the
//! lessons that handle a stream: the traced fetch (`trace::fetch`) reads a body whole.
//!
//! Dropping a [`BodyStream`] aborts the request (its `AbortController`) and cancels the body,
//! which the server sees and logs as "aborted".

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{Stream, StreamExt};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::js::error_text;
use crate::trace::fetch::FetchError;

/// A response whose body is still coming.
pub struct BodyStream {
    pub status: u16,
    chunks: wasm_streams::readable::IntoStream<'static>,
    controller: web_sys::AbortController,
    done: bool,
}

/// Sends a GET of `url` and gives the response as soon as its headers are in.
pub async fn get(url: &str) -> Result<BodyStream, FetchError> {
    let invalid = |e: JsValue| FetchError::InvalidRequest(error_text(&e));
    let window =
        web_sys::window().ok_or_else(|| FetchError::InvalidRequest("no window here".into()))?;
    let controller = web_sys::AbortController::new().map_err(invalid)?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_signal(Some(&controller.signal()));
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| FetchError::Network(error_text(&e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| FetchError::Network("fetch gave something other than a Response".into()))?;
    let body = response
        .body()
        .ok_or_else(|| FetchError::Body("the response has no body".into()))?;
    let chunks = wasm_streams::ReadableStream::from_raw(body.unchecked_into())
        .try_into_stream()
        .map_err(|_| FetchError::Body("the body is already being read".into()))?;
    Ok(BodyStream {
        status: response.status(),
        chunks,
        controller,
        done: false,
    })
}

impl Stream for BodyStream {
    type Item = Result<Vec<u8>, FetchError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.chunks.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => match chunk.dyn_into::<js_sys::Uint8Array>() {
                Ok(bytes) => Poll::Ready(Some(Ok(bytes.to_vec()))),
                Err(_) => Poll::Ready(Some(Err(FetchError::Body(
                    "a chunk of the body was not bytes".into(),
                )))),
            },
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(FetchError::Body(error_text(&e)))))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for BodyStream {
    fn drop(&mut self) {
        // Given up before the end: tell the server (the body stream is cancelled too).
        if !self.done {
            self.controller.abort();
        }
    }
}
