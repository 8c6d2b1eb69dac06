//! A build without the `enabled` feature (`cargo test -p asyncscope-trace --no-default-features`):
//! every traced call keeps its signature and works, and nothing is recorded: no event, no task,
//! no resource, and no clock read for a spawn, a poll, a wake, an abort or an instrumented future.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use super::*;

#[test]
fn the_runtime_runs_and_nothing_is_recorded_or_timed() {
    reset();
    set_recording(true);
    assert!(!is_recording(), "a build without `enabled` never records");
    let reads = clock::reads();

    // Spawned tasks, their handles, a channel, a semaphore, an instrumented future.
    let (tx, rx) = channel::<u32>("numbers", 4);
    let limit = Semaphore::new("one", 1);
    let sum = Rc::new(Cell::new(0));
    let total = Rc::clone(&sum);
    let consumer = spawn("consumer", async move {
        while let Ok(n) = rx.recv().await {
            let _permit = limit.acquire().await;
            total.set(total.get() + n);
        }
        total.get()
    });
    let producer = spawn_fallible("producer", async move {
        for n in 1..=3 {
            instrument("send", tx.send(n))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    });
    let doomed = spawn("doomed", std::future::pending::<()>());
    spawn_local(async {});
    let out = Rc::new(RefCell::new(None));
    let got = Rc::clone(&out);
    let _joiner = spawn("joiner", async move {
        let produced = producer.await;
        *got.borrow_mut() = Some((produced.is_ok(), consumer.await));
    });
    run_until_idle();
    doomed.abort();
    run_until_idle();

    assert_eq!(
        *out.borrow(),
        Some((true, Ok(6))),
        "every task ran to its end"
    );
    assert_eq!(
        clock::reads(),
        reads,
        "no clock read for any spawn, poll, wake or abort"
    );
    with_recorder(|r| {
        assert_eq!(r.recorded(), 0, "no event");
        assert_eq!(r.task_count(), 0);
        assert_eq!(r.resources().count(), 0);
        assert_eq!(r.warnings().iter().count(), 0);
    });
}

#[test]
fn an_instrumented_future_is_the_future_as_it_is() {
    reset();
    let reads = clock::reads();
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(instrument("ready", async { 7 }));
    assert_eq!(fut.as_mut().poll(&mut cx), std::task::Poll::Ready(7));
    drop(instrument("dropped unpolled", async {}));
    assert_eq!(clock::reads(), reads);
    assert_eq!(with_recorder(Recorder::recorded), 0);
    // A sleep still needs the clock for its deadline (as any timer does), and is still never
    // early; only its events are gone.
    let _sleep = sleep(Duration::from_millis(10));
}

/// The `tracing` layer in a build that does not record: spans and events pass through it, and
/// it keeps nothing and reads no clock.
#[cfg(feature = "tracing")]
#[test]
fn the_tracing_layer_records_nothing() {
    use tracing_subscriber::layer::SubscriberExt;

    #[tracing::instrument]
    async fn search(query: &str) -> usize {
        tracing::info!("searching");
        query.len()
    }

    reset();
    let reads = clock::reads();
    let subscriber = tracing_subscriber::registry().with(TracingLayer::default());
    let found = Rc::new(Cell::new(0));
    let seen = Rc::clone(&found);
    tracing::subscriber::with_default(subscriber, || {
        spawn_local(async move { seen.set(search("rust").await) });
        run_until_idle();
        tracing::info_span!("sync").in_scope(|| tracing::warn!("outside"));
    });
    assert_eq!(found.get(), 4, "the instrumented fn ran");
    assert_eq!(clock::reads(), reads, "no clock read");
    with_recorder(|r| assert_eq!((r.task_count(), r.events().len()), (0, 0)));
}
