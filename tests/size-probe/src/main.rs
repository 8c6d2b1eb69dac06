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

/// The interpreter's host in the smallest page: keeps what is printed, no network.
#[cfg(feature = "python")]
struct Console;

#[cfg(feature = "python")]
impl asyncscope_python::interp::Host for Console {
    fn now_ms(&self) -> f64 {
        asyncscope_trace::now_ms()
    }
    fn write(&self, text: &str) {
        PRINTED.with(|p| p.borrow_mut().push_str(text));
    }
    fn block(&self, _ms: f64) {}
    fn fetch(
        &self,
        _request: asyncscope_python::interp::HttpRequest,
    ) -> asyncscope_python::interp::BoxFuture<
        Result<asyncscope_python::interp::HttpReply, asyncscope_python::interp::HttpFailure>,
    > {
        Box::pin(async { Err(asyncscope_python::interp::HttpFailure::InvalidUrl) })
    }
}

#[cfg(feature = "python")]
thread_local! {
    static PRINTED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn main() {
    #[cfg(feature = "python")]
    if let Ok(module) = asyncscope_python::interp::prepare(
        "import asyncio\nasync def main():\n    await asyncio.sleep(0.1)\n    print('hello')\nasyncio.run(main())\n",
    ) {
        let host: std::rc::Rc<dyn asyncscope_python::interp::Host> = std::rc::Rc::new(Console);
        spawn(async move {
            asyncscope_python::interp::run_prepared(module, host, Default::default()).await;
        });
    }
    #[cfg(feature = "trace-tracing")]
    {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber =
            tracing_subscriber::registry().with(asyncscope_trace::TracingLayer::default());
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
    yew::Renderer::<App>::new().render();
}
