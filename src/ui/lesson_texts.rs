//! A lesson's texts, its summary, its Python and the Rust that runs, fetched from `lessons/ID/`
//! when the lesson first opens. They are static files that the `lesson-texts` script writes at build
//! time, not strings compiled into the wasm: the page downloads only the texts of the lessons
//! it shows. Loaded texts are kept for the page's lifetime; a failed load says why and can be
//! tried again.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::browser::js::error_text;

/// A lesson's texts, as loaded (their trailing blank lines cut), shared with the views that
/// show them: a render copies none of them.
#[derive(PartialEq, Eq)]
pub struct Texts {
    pub summary: AttrValue,
    pub python: AttrValue,
    pub rust: AttrValue,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Load {
    Loading,
    Loaded(Rc<Texts>),
    /// Why the texts could not be loaded, in words.
    Failed(Rc<str>),
}

thread_local! {
    /// Per lesson id: at most one load at a time, and the texts once loaded.
    static TEXTS: RefCell<Vec<(&'static str, Load)>> = const { RefCell::new(Vec::new()) };
    /// Who waits for a lesson's load to end ([`settled`]).
    static WAITING: RefCell<Vec<(&'static str, oneshot::Sender<()>)>> = const { RefCell::new(Vec::new()) };
}

/// Where a lesson's text is served: relative to the page, as trunk copies `lessons/` beside it.
pub fn url(id: &str, file: &str) -> String {
    format!("lessons/{id}/{file}")
}

fn get(id: &str) -> Option<Load> {
    TEXTS.with(|t| {
        t.borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, l)| l.clone())
    })
}

fn set(id: &'static str, load: Load) {
    let ended = load != Load::Loading;
    TEXTS.with(|t| {
        let mut texts = t.borrow_mut();
        match texts.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = load,
            None => texts.push((id, load)),
        }
    });
    if ended {
        let woken = WAITING.with(|w| {
            let mut waiting = w.borrow_mut();
            let (woken, left) = waiting.drain(..).partition(|(i, _)| *i == id);
            *waiting = left;
            woken
        });
        for (_, waiter) in woken {
            let _ = waiter.send(());
        }
    }
}

/// Lesson `id`'s texts, if they are loaded.
pub fn loaded(id: &str) -> Option<Rc<Texts>> {
    match get(id) {
        Some(Load::Loaded(texts)) => Some(texts),
        _ => None,
    }
}

/// What CPython 3.11 printed running lesson `id`'s Python (`cpython.txt`, from the corpus), or
/// why it cannot be had (the corpus has none for this lesson: a 404).
pub async fn cpython(id: &str) -> Result<String, String> {
    fetch_text(&url(id, "cpython.txt")).await
}

/// Resolves once lesson `id`'s texts have loaded or failed to (at once if they have): the page
/// fetches what it does not show yet (the lessons chunk) only after what it shows.
pub async fn settled(id: &'static str) {
    if matches!(get(id), Some(Load::Loaded(_) | Load::Failed(_))) {
        return;
    }
    let (sender, ended) = oneshot::channel();
    WAITING.with(|w| w.borrow_mut().push((id, sender)));
    let _ = ended.await;
}

/// Starts loading `id`'s texts unless they are loaded or loading; `done` runs when the load ends.
fn start(id: &'static str, done: impl FnOnce() + 'static) {
    if matches!(get(id), Some(Load::Loading | Load::Loaded(_))) {
        return;
    }
    set(id, Load::Loading);
    wasm_bindgen_futures::spawn_local(async move {
        let urls = ["summary.txt", "python.txt", "rust.txt"].map(|file| url(id, file));
        let (summary, python, rust) = futures::join!(
            fetch_text(&urls[0]),
            fetch_text(&urls[1]),
            fetch_text(&urls[2])
        );
        let load = match (summary, python, rust) {
            (Ok(summary), Ok(python), Ok(rust)) => {
                let trimmed = |text: String| AttrValue::from(text.trim_end().to_string());
                Load::Loaded(Rc::new(Texts {
                    summary: trimmed(summary),
                    python: trimmed(python),
                    rust: trimmed(rust),
                }))
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Load::Failed(e.into()),
        };
        set(id, load);
        done();
    });
}

/// The texts of lesson `id`: loading them when the lesson is first shown. The second value
/// starts the load again after a failure.
#[hook]
pub fn use_lesson_texts(id: &'static str) -> (Load, Callback<MouseEvent>) {
    let update = use_force_update();
    {
        let update = update.clone();
        use_effect_with(id, move |id| start(id, move || update.force_update()));
    }
    // The same callback while the lesson stays: the code panes do not render again at each
    // live refresh of the page for a new one.
    let retry = use_callback(id, move |_: MouseEvent, &id| {
        let done = update.clone();
        start(id, move || done.force_update());
        update.force_update();
    });
    (get(id).unwrap_or(Load::Loading), retry)
}

/// The body of `url` as text, or why not in words (a refused request, an HTTP error status).
async fn fetch_text(url: &str) -> Result<String, String> {
    let failed = |why: String| format!("{url}: {why}");
    let window = web_sys::window().ok_or_else(|| failed("this page has no window".into()))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| failed(error_text(&e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| failed("fetch gave no response".into()))?;
    if !response.ok() {
        return Err(failed(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        )));
    }
    let text = response.text().map_err(|e| failed(error_text(&e)))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| failed(error_text(&e)))?;
    text.as_string()
        .ok_or_else(|| failed("its body is not text".into()))
}
