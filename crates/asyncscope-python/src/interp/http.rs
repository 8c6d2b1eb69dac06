//! aiohttp's client: `ClientSession` with `get`/`post`/`put`/`delete` (params, headers, json,
//! data, timeout), responses (`status`, `text()`, `json()`), and its exceptions. The request
//! itself goes through the [`Host`](super::Host): the browser's fetch in the page.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::aio::{no_attr, wait};
use super::builtins;
use super::exc::{ExcObj, ExcType};
use super::value::{Builtin, Module, Value};
use super::{fail, Cx, Flow, Res};

/// A request as the host sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// With the query string made from `params`.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// `ClientTimeout(total=...)`, in ms.
    pub timeout_ms: Option<f64>,
}

/// A response as the host got it.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpReply {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why a request got no response.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpFailure {
    /// The host could not be reached: `ClientConnectorError` (`dns`: its name did not resolve,
    /// `ClientConnectorDNSError`), with aiohttp's words: `Cannot connect to host H:P ssl:default [why]`.
    Connect { dns: bool, why: String },
    /// The URL is not one: `InvalidUrlClientError`.
    InvalidUrl,
    /// The timeout passed: `TimeoutError`.
    Timeout,
}

pub enum HttpObject {
    Session {
        closed: Cell<bool>,
        timeout_ms: Option<f64>,
        headers: Vec<(String, String)>,
    },
    /// `session.get(...)` before it is awaited or entered.
    Request {
        request: HttpRequest,
        response: RefCell<Option<Value>>,
    },
    Response {
        reply: HttpReply,
        url: String,
        method: String,
    },
    /// `aiohttp.ClientTimeout(total=...)`
    Timeout(Option<f64>),
}

impl HttpObject {
    pub fn type_name(&self) -> &'static str {
        match self {
            HttpObject::Session { .. } => "ClientSession",
            HttpObject::Request { .. } => "_RequestContextManager",
            HttpObject::Response { .. } => "ClientResponse",
            HttpObject::Timeout(_) => "ClientTimeout",
        }
    }

    pub fn repr(&self) -> String {
        match self {
            HttpObject::Response { reply, url, .. } => {
                format!("<ClientResponse({url}) [{} {}]>", reply.status, reply.reason)
            }
            HttpObject::Timeout(t) => format!(
                "ClientTimeout(total={}, connect=None, sock_read=None, sock_connect=None, ceil_threshold=5)",
                t.map(|ms| crate::format::float_repr(ms / 1000.0)).unwrap_or_else(|| "None".into())
            ),
            other => format!("<aiohttp.client.{} object>", other.type_name()),
        }
    }
}

fn http(obj: HttpObject) -> Value {
    Value::Http(Rc::new(obj))
}

/// `aiohttp.X`
pub(crate) fn module_attr(name: &str) -> Option<Value> {
    if let Some(t) = ExcType::in_module("aiohttp", name) {
        return Some(Value::ExcType(t));
    }
    matches!(name, "ClientSession" | "ClientTimeout").then(|| {
        Value::Builtin(Builtin {
            module: Some(Module::Aiohttp),
            name: if name == "ClientSession" {
                "ClientSession"
            } else {
                "ClientTimeout"
            },
        })
    })
}

fn timeout_of(v: Option<&Value>) -> Res<Option<f64>> {
    Ok(match v {
        None | Some(Value::None) => None,
        Some(Value::Http(h)) => match &**h {
            HttpObject::Timeout(t) => *t,
            _ => return Err(fail(ExcType::TypeError, "timeout must be a ClientTimeout")),
        },
        Some(other) => match other.as_number() {
            Some(n) => Some(n.as_f64() * 1000.0),
            None => return Err(fail(ExcType::TypeError, "timeout must be a ClientTimeout")),
        },
    })
}

fn kwarg<'a>(keywords: &'a [(Rc<str>, Value)], name: &str) -> Option<&'a Value> {
    keywords.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
}

fn pairs(v: Option<&Value>) -> Res<Vec<(String, String)>> {
    let Some(v) = v else { return Ok(vec![]) };
    match v {
        Value::None => Ok(vec![]),
        Value::Dict(d) => Ok(d
            .borrow()
            .items()
            .map(|(k, v)| (k.to_str(), v.to_str()))
            .collect()),
        other => Err(fail(
            ExcType::TypeError,
            format!("expected a dict, got {}", other.type_name()),
        )),
    }
}

/// `aiohttp.ClientSession(...)` and `aiohttp.ClientTimeout(...)`
pub(crate) fn construct(
    name: &str,
    positional: &[Value],
    keywords: &[(Rc<str>, Value)],
) -> Res<Value> {
    match name {
        "ClientTimeout" => {
            let total = kwarg(keywords, "total").or(positional.first());
            Ok(http(HttpObject::Timeout(match total {
                None | Some(Value::None) => None,
                Some(v) => Some(
                    v.as_number()
                        .ok_or_else(|| fail(ExcType::TypeError, "total must be a number"))?
                        .as_f64()
                        * 1000.0,
                ),
            })))
        }
        _ => Ok(http(HttpObject::Session {
            closed: Cell::new(false),
            timeout_ms: timeout_of(kwarg(keywords, "timeout"))?,
            headers: pairs(kwarg(keywords, "headers"))?,
        })),
    }
}

fn encode_query(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Host and port of a URL, for aiohttp's words; `None` when it is not an http(s) URL.
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    if authority.is_empty() {
        return None;
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || p.is_empty() => {
            Some((h.to_string(), p.parse().ok().unwrap_or(default)))
        }
        _ => Some((authority.to_string(), default)),
    }
}

fn failure_exc(failure: HttpFailure, url: &str) -> Rc<ExcObj> {
    match failure {
        HttpFailure::Connect { dns, why } => {
            let (host, port) = host_port(url).unwrap_or_default();
            let mut e = ExcObj::new(
                if dns {
                    ExcType::ClientConnectorDNSError
                } else {
                    ExcType::ClientConnectorError
                },
                vec![Value::str(&format!(
                    "Cannot connect to host {host}:{port} ssl:default [{why}]"
                ))],
            );
            if let Some(obj) = Rc::get_mut(&mut e) {
                obj.attrs = vec![
                    ("host", Value::str(&host)),
                    ("port", Value::Int(port as i128)),
                ];
            }
            e
        }
        HttpFailure::InvalidUrl => {
            ExcObj::new(ExcType::InvalidUrlClientError, vec![Value::str(url)])
        }
        HttpFailure::Timeout => ExcObj::new(ExcType::TimeoutError, vec![]),
    }
}

/// Sends the request (once; awaiting or entering it again gives the same response).
async fn send(cx: &Cx, request_obj: &Value) -> Res<Value> {
    let Value::Http(h) = request_obj else {
        return Err(no_attr(request_obj, "send"));
    };
    let HttpObject::Request { request, response } = &**h else {
        return Err(no_attr(request_obj, "send"));
    };
    if let Some(r) = response.borrow().clone() {
        return Ok(r);
    }
    let url = request.url.clone();
    if host_port(&url).is_none() {
        return Err(Flow::Exc(failure_exc(HttpFailure::InvalidUrl, &url)));
    }
    let fetching = cx.interp.host.fetch(request.clone());
    let reply = wait(cx, fetching).await?;
    match reply {
        Ok(reply) => {
            let v = http(HttpObject::Response {
                reply,
                url: url.clone(),
                method: request.method.clone(),
            });
            *response.borrow_mut() = Some(v.clone());
            Ok(v)
        }
        Err(failure) => Err(Flow::Exc(failure_exc(failure, &url))),
    }
}

pub(crate) async fn enter(cx: &Cx, manager: &Value) -> Res<Value> {
    let Value::Http(h) = manager else {
        return Err(no_attr(manager, "__aenter__"));
    };
    match &**h {
        HttpObject::Session { .. } => Ok(manager.clone()),
        HttpObject::Request { .. } => send(cx, manager).await,
        _ => Err(fail(
            ExcType::TypeError,
            format!(
                "'{}' object does not support the asynchronous context manager protocol",
                h.type_name()
            ),
        )),
    }
}

pub(crate) async fn exit(_cx: &Cx, manager: &Value) -> Res<()> {
    if let Value::Http(h) = manager {
        if let HttpObject::Session { closed, .. } = &**h {
            closed.set(true);
        }
    }
    Ok(())
}

/// `session.closed`, `response.status`, ...
pub(crate) fn get_attr(h: &HttpObject, name: &str) -> Option<Value> {
    match (h, name) {
        (HttpObject::Session { closed, .. }, "closed") => Some(Value::Bool(closed.get())),
        (HttpObject::Response { reply, .. }, "status") => Some(Value::Int(reply.status as i128)),
        (HttpObject::Response { reply, .. }, "reason") => Some(Value::str(&reply.reason)),
        (HttpObject::Response { reply, .. }, "ok") => Some(Value::Bool(reply.status < 400)),
        (HttpObject::Response { url, .. }, "url") => Some(Value::str(url)),
        (HttpObject::Response { method, .. }, "method") => Some(Value::str(method)),
        (HttpObject::Response { reply, .. }, "headers") => {
            let mut d = super::value::Dict::new();
            for (k, v) in &reply.headers {
                let key = Value::str(k);
                if let Ok(hk) = key.key() {
                    d.insert(hk, key, Value::str(v));
                }
            }
            Some(Value::Dict(Rc::new(RefCell::new(d))))
        }
        (HttpObject::Response { reply, .. }, "content_type") => Some(Value::str(
            reply
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.split(';').next().unwrap_or("").trim())
                .unwrap_or("application/octet-stream"),
        )),
        (HttpObject::Timeout(t), "total") => {
            Some(t.map(|ms| Value::Float(ms / 1000.0)).unwrap_or(Value::None))
        }
        _ => None,
    }
}

pub(crate) async fn call_method(
    _cx: &Cx,
    recv: &Value,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let Value::Http(h) = recv else {
        return Err(no_attr(recv, name));
    };
    match (&**h, name) {
        (
            HttpObject::Session {
                closed,
                timeout_ms,
                headers,
            },
            "get" | "post" | "put" | "delete" | "patch" | "head",
        ) => {
            if closed.get() {
                return Err(fail(ExcType::RuntimeError, "Session is closed"));
            }
            let url = positional
                .first()
                .or_else(|| kwarg(&keywords, "url"))
                .map(Value::to_str)
                .ok_or_else(|| {
                    fail(
                        ExcType::TypeError,
                        format!("{name}() missing 1 required positional argument: 'url'"),
                    )
                })?;
            let params = pairs(kwarg(&keywords, "params"))?;
            let url = if params.is_empty() {
                url
            } else {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}{}", encode_query(&params))
            };
            let mut all_headers = headers.clone();
            all_headers.extend(pairs(kwarg(&keywords, "headers"))?);
            let body = if let Some(json) = kwarg(&keywords, "json") {
                all_headers.push(("Content-Type".into(), "application/json".into()));
                Some(builtins::json_dumps(json)?)
            } else if let Some(data) = kwarg(&keywords, "data") {
                match data {
                    Value::Dict(_) => {
                        all_headers.push((
                            "Content-Type".into(),
                            "application/x-www-form-urlencoded".into(),
                        ));
                        Some(encode_query(&pairs(Some(data))?))
                    }
                    other => Some(other.to_str()),
                }
            } else {
                None
            };
            let timeout = match kwarg(&keywords, "timeout") {
                Some(t) => timeout_of(Some(t))?,
                None => *timeout_ms,
            };
            Ok(http(HttpObject::Request {
                request: HttpRequest {
                    method: name.to_ascii_uppercase(),
                    url,
                    headers: all_headers,
                    body,
                    timeout_ms: timeout,
                },
                response: RefCell::new(None),
            }))
        }
        (HttpObject::Session { closed, .. }, "close") => {
            closed.set(true);
            Ok(super::aio::awaitable_none())
        }
        (HttpObject::Response { reply, .. }, "text" | "read") => {
            let body = reply.body.clone();
            Ok(super::aio::ready(Value::str(&body)))
        }
        (HttpObject::Response { reply, .. }, "json") => {
            let v = builtins::json_loads(&reply.body)?;
            Ok(super::aio::ready(v))
        }
        (HttpObject::Response { reply, url, .. }, "raise_for_status") => {
            if reply.status >= 400 {
                let mut e = ExcObj::new(
                    ExcType::ClientResponseError,
                    vec![Value::str(&format!(
                        "{}, message='{}', url='{url}'",
                        reply.status, reply.reason
                    ))],
                );
                if let Some(obj) = Rc::get_mut(&mut e) {
                    obj.attrs = vec![
                        ("status", Value::Int(reply.status as i128)),
                        ("message", Value::str(&reply.reason)),
                    ];
                }
                return Err(Flow::Exc(e));
            }
            Ok(Value::None)
        }
        (HttpObject::Response { .. }, "release" | "close") => Ok(Value::None),
        _ => Err(no_attr(recv, name)),
    }
}

/// `await session.get(...)` without `async with`.
pub(crate) async fn await_request(cx: &Cx, v: &Value) -> Res<Value> {
    send(cx, v).await
}
