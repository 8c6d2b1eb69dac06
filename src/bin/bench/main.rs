//! The benchmark page's wasm (tests/bench.html, built by `./dev bench` with trunk).
//!
//! It puts `window.asyncscope_bench` on the page: `figures()` lists the figures measured in the
//! browser and `run(name?)` measures one (or, without a name, all of them in turn) and resolves
//! with its figures. The native driver (tests/bench.rs) opens the page in headless Chromium, runs
//! each figure in a fresh page, adds the figures it measures itself and prints them as JSON.
//!
//! A new figure is one `async fn` in figures.rs, named in its `figures!` list.

mod stats;

#[cfg(target_arch = "wasm32")]
mod figures;
#[cfg(target_arch = "wasm32")]
mod page;

#[cfg(target_arch = "wasm32")]
fn main() {
    if let Err(e) = page::install() {
        // No page to show it in: leave it in the console, where the driver's timeout points.
        wasm_bindgen::throw_val(e);
    }
}

/// Off the browser there is nothing to measure: the figures need Chromium's event loop.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "the benchmarks run in the browser: `./dev bench` builds tests/bench.html and drives it"
    );
}
