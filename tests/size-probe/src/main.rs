//! An empty yew app that spawns one task: what adding asyncscope-trace to an app costs in its
//! wasm, measured by `./dev bench` (`trace_crate_size`).

use yew::prelude::*;

#[component]
fn App() -> Html {
    let greeting = use_state(|| "…".to_string());
    {
        let greeting = greeting.clone();
        use_effect_with((), move |_| {
            spawn(async move { greeting.set("hello".to_string()) });
        });
    }
    html! { <p>{ (*greeting).clone() }</p> }
}

#[cfg(any(feature = "trace", feature = "trace-off"))]
use asyncscope_trace::spawn_local as spawn;
#[cfg(not(any(feature = "trace", feature = "trace-off")))]
use wasm_bindgen_futures::spawn_local as spawn;

fn main() {
    #[cfg(feature = "trace-tracing")]
    {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber =
            tracing_subscriber::registry().with(asyncscope_trace::TracingLayer::default());
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
    yew::Renderer::<App>::new().render();
}
