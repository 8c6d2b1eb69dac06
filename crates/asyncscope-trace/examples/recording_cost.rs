//! What recording costs per operation, natively, for `valgrind --tool=callgrind`: run it with
//! 0 and with N operations and divide the difference by N (the warm-up, which fills the event
//! log to its cap so that every event pushes the oldest out, cancels out):
//!
//! ```text
//! cargo build --release --example recording_cost -p asyncscope-trace
//! valgrind --tool=callgrind target/release/examples/recording_cost instrument 20000
//! ```
//!
//! `instrument`: an instrumented future created and polled once to completion, outside any
//! task (`./dev bench`'s `tracer_costs.instrument_poll_ns`); `spawn`: a task spawned and run to
//! completion, in batches of 1,000; `burst`: as `spawn_throughput` does it, 100,000 tasks
//! spawned at once into a fresh recording, then run (N a multiple of 100,000: its cost is mostly
//! memory, which `--cache-sim=yes` counts in missed cache lines); `poll`: a poll of a task that
//! wakes itself (`tracer_overhead`). The clock is faked: a clock read costs next to nothing here,
//! so the counts are the recording's own. Natively everything here is built at the tracer's
//! opt-level; in the app's wasm the generic part (a traced future's poll) is built at the
//! app's "z", which only `./dev bench` shows.

// Natively only: it fakes the clock and turns the event loop by hand.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::future::Future;
    use std::hint::black_box;
    use std::pin::{pin, Pin};
    use std::task::{Context, Poll, Waker};

    use asyncscope_trace as trace;

    const BATCH: usize = 1000;

    pub fn main() {
        let mut args = std::env::args().skip(1);
        let what = args.next().unwrap_or_default();
        let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        trace::set_fake_now(Some(0.0));
        // Past the event cap, then the operations counted.
        let warm = if what == "burst" {
            BURST
        } else {
            trace::DEFAULT_EVENT_CAP + 20_000
        };
        let run: fn(usize, &mut f64) = match what.as_str() {
            "instrument" => instrument,
            "spawn" => spawn,
            "poll" => self_waking,
            "burst" => burst,
            _ => {
                eprintln!("usage: recording_cost instrument|spawn|burst|poll N");
                std::process::exit(2);
            }
        };
        let mut t = 0.0;
        run(warm, &mut t);
        run(n, &mut t);
        trace::with_recorder(|r| eprintln!("{} events recorded", r.recorded()));
    }

    fn tick(t: &mut f64) {
        *t += 0.001;
        trace::set_fake_now(Some(*t));
    }

    fn instrument(n: usize, t: &mut f64) {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..n {
            tick(t);
            let fut = pin!(trace::instrument("t", async { black_box(1) }));
            let _ = fut.poll(&mut cx);
        }
    }

    fn spawn(n: usize, t: &mut f64) {
        let mut handles = Vec::with_capacity(BATCH);
        let mut left = n;
        while left > 0 {
            let batch = left.min(BATCH);
            left -= batch;
            for i in 0..batch {
                tick(t);
                handles.push(trace::spawn("spawned", async move {
                    black_box(i);
                }));
            }
            trace::run_until_idle();
            handles.clear();
        }
    }

    /// Tasks spawned at once by `burst`.
    const BURST: usize = 100_000;

    fn burst(n: usize, t: &mut f64) {
        for _ in 0..n / BURST {
            trace::reset();
            let mut handles = Vec::with_capacity(BURST);
            for i in 0..BURST {
                tick(t);
                handles.push(trace::spawn("spawned", async move {
                    black_box(i);
                }));
            }
            trace::run_until_idle();
            drop(handles);
        }
    }

    /// Wakes itself until polled `left` times.
    struct SelfWaking {
        left: usize,
    }

    impl Future for SelfWaking {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.left <= 1 {
                return Poll::Ready(());
            }
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn self_waking(n: usize, t: &mut f64) {
        tick(t);
        let handle = trace::spawn("bench", SelfWaking { left: n.max(1) });
        trace::run_until_idle();
        drop(handle);
    }
}
