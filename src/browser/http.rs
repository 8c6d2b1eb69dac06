//! Every way a GET can fail, as one typed error in words, for the lessons on errors: aiohttp's
//! `InvalidURL`, `ClientConnectorError`, `ClientResponseError` (`raise_for_status`) and
//! `ContentTypeError`, plus the one a browser adds: a CORS refusal. The browser reports a
//! refusal exactly like a failed connection (on purpose: a page must not learn what another
//! origin said), so [`get`] tells them apart with a `no-cors` probe: an opaque answer proves the
//! server answered and only the page was refused.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::trace::fetch::{FetchError, Request, Response};

#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// Not a URL fetch can take: nothing was sent.
    InvalidUrl { url: String, reason: String },
    /// No answer at all: the name did not resolve, the connection was refused, no network.
    Unreachable { url: String, message: String },
    /// Another origin answered, without `Access-Control-Allow-Origin` for this page.
    CorsRefused { url: String, origin: String },
    /// An answer with a 4xx or 5xx status.
    Status {
        url: String,
        status: u16,
        reason: String,
    },
    /// The body could not be read, or is not the JSON it should be.
    Body { url: String, message: String },
}

impl HttpError {
    /// The name of the case (what the Python catches), for the lessons' output.
    pub fn kind(&self) -> &'static str {
        match self {
            HttpError::InvalidUrl { .. } => "InvalidURL",
            HttpError::Unreachable { .. } => "ClientConnectorError",
            HttpError::CorsRefused { .. } => "CORS refusal",
            HttpError::Status { .. } => "ClientResponseError",
            HttpError::Body { .. } => "ContentTypeError",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidUrl { url, reason } => {
                write!(
                    f,
                    "'{url}' is not a URL to fetch ({reason}); nothing was sent"
                )
            }
            HttpError::Unreachable { url, message } => write!(
                f,
                "could not connect for {url}: the name did not resolve, the connection was \
                 refused, or there is no network (the browser does not say which: {message})"
            ),
            HttpError::CorsRefused { url, origin } => write!(
                f,
                "{url} answered, but the browser kept the answer from this page: it comes from \
                 another origin than {origin} and did not allow it with an \
                 Access-Control-Allow-Origin header (CORS). A no-cors probe of the same URL got \
                 an opaque response, which shows the server did answer"
            ),
            HttpError::Status {
                url,
                status,
                reason,
            } => write!(f, "{url} answered {status} {reason}"),
            HttpError::Body { url, message } => {
                write!(f, "the body of {url} is not what was expected: {message}")
            }
        }
    }
}

impl std::error::Error for HttpError {}

/// The page's origin (`http://127.0.0.1:8080`).
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A URL on another origin that answers without CORS headers: on loopback, this same server
/// under its other name (127.0.0.1 and localhost are different origins); elsewhere a public site.
pub fn cross_origin_url() -> String {
    let Ok(origin) = web_sys::Url::new(&page_origin()) else {
        return "https://example.com/".into();
    };
    let other = match origin.hostname().as_str() {
        "127.0.0.1" => "localhost",
        "localhost" => "127.0.0.1",
        _ => return "https://example.com/".into(),
    };
    let port = origin.port();
    let port = if port.is_empty() {
        String::new()
    } else {
        format!(":{port}")
    };
    format!("{}//{other}{port}/", origin.protocol())
}

/// GETs `url` with the traced fetch; a 4xx or 5xx status is an error (`raise_for_status`).
pub async fn get(url: &str) -> Result<Response, HttpError> {
    let absolute = absolute(url)?;
    let response = match Request::get(url).send().await {
        Ok(response) => response,
        Err(FetchError::InvalidRequest(reason)) => {
            return Err(HttpError::InvalidUrl {
                url: url.into(),
                reason,
            })
        }
        Err(FetchError::Network(message)) => {
            return Err(refused_or_unreachable(url, &absolute, message).await)
        }
        Err(FetchError::Body(message)) => {
            return Err(HttpError::Body {
                url: url.into(),
                message,
            })
        }
    };
    if response.status >= 400 {
        return Err(HttpError::Status {
            url: url.into(),
            status: response.status,
            reason: response.status_text.clone(),
        });
    }
    Ok(response)
}

/// The body as JSON (`await response.json()`).
pub fn json(url: &str, response: &Response) -> Result<serde_json::Value, HttpError> {
    crate::json::from_slice(&response.body).map_err(|e| HttpError::Body {
        url: url.into(),
        message: format!("not JSON ({e})"),
    })
}

/// `url` resolved against the site's base (`site::base`), or why it is not a URL fetch takes.
fn absolute(url: &str) -> Result<web_sys::Url, HttpError> {
    let invalid = |reason: &str| HttpError::InvalidUrl {
        url: url.into(),
        reason: reason.into(),
    };
    let parsed = web_sys::Url::new_with_base(url, &super::site::base())
        .map_err(|_| invalid("it does not parse"))?;
    match parsed.protocol().as_str() {
        "http:" | "https:" => Ok(parsed),
        other => Err(invalid(&format!(
            "fetch here takes http and https, not {other}"
        ))),
    }
}

/// A network error: a CORS refusal if another origin answers a no-cors probe, else unreachable.
async fn refused_or_unreachable(url: &str, absolute: &web_sys::Url, message: String) -> HttpError {
    let origin = page_origin();
    if absolute.origin() != origin && answers_no_cors(&absolute.href()).await {
        return HttpError::CorsRefused {
            url: url.into(),
            origin,
        };
    }
    HttpError::Unreachable {
        url: url.into(),
        message,
    }
}

/// A `mode: "no-cors"` GET: it resolves (with an opaque response the page cannot read) when the
/// server answered, and fails when nothing did.
async fn answers_no_cors(url: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_mode(web_sys::RequestMode::NoCors);
    let answer: Result<JsValue, JsValue> =
        JsFuture::from(window.fetch_with_str_and_init(url, &init)).await;
    answer.is_ok_and(|r| r.is_instance_of::<web_sys::Response>())
}
