//! `window.asyncscope_bench`: the page's side of the benchmark.
//!
//! - `figures()` returns the names of the figures measured in the page, in the order
//!   `run()` runs them;
//! - `run(name)` measures one figure and resolves with its object; `run()` measures all of them
//!   in turn and resolves with `{name: figures}` (a figure that failed gives `{error}`);
//! - an unknown name, or a figure that fails, rejects with an `Error` saying why.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::figures::FIGURES;

pub fn install() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let figures = Closure::<dyn Fn() -> Array>::new(|| {
        FIGURES
            .iter()
            .map(|(name, _)| JsValue::from_str(name))
            .collect()
    });
    let run = Closure::<dyn Fn(JsValue) -> Promise>::new(|name: JsValue| {
        future_to_promise(async move {
            match name.as_string() {
                Some(name) => run_one(&name)
                    .await
                    .map_err(|e| js_sys::Error::new(&e).into()),
                None => run_all().await,
            }
        })
    });
    let api = Object::new();
    // The page lives as long as the closures: hand them to JS for good.
    Reflect::set(&api, &"figures".into(), &figures.into_js_value())?;
    Reflect::set(&api, &"run".into(), &run.into_js_value())?;
    Reflect::set(&window, &"asyncscope_bench".into(), &api)?;
    Ok(())
}

async fn run_one(name: &str) -> Result<JsValue, String> {
    let Some((_, figure)) = FIGURES.iter().find(|(n, _)| *n == name) else {
        let known: Vec<&str> = FIGURES.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "no figure named '{name}'; the page measures {}",
            known.join(", ")
        ));
    };
    figure().await.map_err(|e| format!("{name}: {e}"))
}

async fn run_all() -> Result<JsValue, JsValue> {
    let all = Object::new();
    for (name, figure) in FIGURES {
        let value = match figure().await {
            Ok(value) => value,
            Err(e) => {
                let error = Object::new();
                Reflect::set(&error, &"error".into(), &JsValue::from_str(&e))?;
                error.into()
            }
        };
        Reflect::set(&all, &JsValue::from_str(name), &value)?;
    }
    Ok(all.into())
}
