//! Lesson `producer-consumer`: the seed's generator consumer driven by `send()`, retold as two
//! traced tasks that meet at two one-slot channels (each `send` hands over a number and waits for
//! the answer). A second variant puts a bounded queue between a producer and a consumer running
//! at their own speeds: the producer waits while the queue is full (back-pressure), and the
//! trace records the queue's depth over time.

use std::fmt::Write as _;
use std::time::Duration;

use futures::future::join;

use super::lesson;
use super::{
    check_at_most, check_lines, lesson_params, millis, param_choice, Check, Lesson, Line, Printer,
};
use crate::trace::{
    self, channel, sleep, with_recorder, EventKind, Receiver, ResourceDetail, ResourceEvent,
    ResourceId, Sender,
};

/// The `send()` variant involves no timer: every line comes within a few microtasks.
const ALL_BY_MS: f64 = 100.0;
/// Depth changes listed in the notes at most.
const MAX_DEPTH_POINTS: usize = 200;

/// produce() hands 1 to 5 to a consumer one at a time and waits for each answer: Producing n,
/// Consuming n, Consumer return:200 OK, five times, all at once. In Python the consumer is a
/// generator driven by send(); here it is a task of its own and each send() is a meeting at two
/// one-slot channels. The queue variant puts an asyncio.Queue(capacity) between a producer and a
/// slower consumer: the producer waits while the queue is full, and the notes list the queue's
/// depth over time. (The seed prints COUSUMER, a typo mended here.)
pub const LESSON: Lesson = lesson! {
    id: "producer-consumer",
    title: "Producer and consumer: send() and a bounded queue",
    params: ProducerConsumerParams,
    article: ASYNC_IO_PRACTICE, section: "传统生产消费模型 (the producer-consumer example)",
};

pub(super) async fn run(out: Printer, params: ProducerConsumerParams) -> Result<(), String> {
    let ProducerConsumerParams {
        mode,
        items,
        capacity,
        produce_ms,
        consume_ms,
    } = params;
    match mode {
        Mode::Send => main(out, items).await,
        Mode::Queue => queue_main(out, items, capacity, produce_ms, consume_ms).await,
    }
}

/// Why a run of this lesson could not finish: a task stopped while the other waited for it.
const CONSUMER_GONE: &str = "the consumer stopped before the producer was done";

param_choice! {
    /// How the items go from the producer to the consumer.
    pub(super) enum Mode {
        /// The seed's generator driven by `send()`, one item at a time.
        Send = "send",
        /// A bounded `asyncio.Queue` between the two, each at its own speed.
        Queue = "queue",
    }
}

lesson_params! {
    /// What `producer-consumer` takes.
    pub(super) struct ProducerConsumerParams {
        /// send: the seed's generator driven by send(), one item at a time; queue: a bounded
        /// asyncio.Queue between a producer and a consumer running at their own speeds
        mode: Mode,
        /// how many items the producer makes (the seed: 5)
        items: u32 = 5 in 1..=20,
        /// queue: how many items the queue holds (asyncio.Queue(maxsize))
        capacity: u32 = 2 in 1..=20,
        /// queue: how long the producer takes to make each item, in ms
        produce_ms: Duration = 100 in 0..=5000,
        /// queue: how long the consumer takes with each item, in ms
        consume_ms: Duration = 300 in 0..=5000,
    }
}

// ANCHOR: lesson
/// `consumer()`: a generator in Python, a task here. Each `yield r` is a send on `answers`
/// followed by a receive on `inbox`; the generator's end is the producer closing `inbox`.
async fn consumer(out: Printer, inbox: Receiver<u32>, answers: Sender<&'static str>) {
    let mut r = "";
    loop {
        // n = yield r
        if answers.send(r).await.is_err() {
            return;
        }
        let Ok(n) = inbox.recv().await else {
            return; // c.close(): the producer dropped its end
        };
        out.print(format!("[CONSUMER] Consuming {n}..."));
        r = "200 OK";
    }
}

/// `produce(c)`: `c.send(n)` is a send on `c` and a wait for the consumer's answer.
async fn produce(
    out: Printer,
    c: Sender<u32>,
    answers: Receiver<&'static str>,
    items: u32,
) -> Result<(), String> {
    answers.recv().await.map_err(|_| CONSUMER_GONE)?; // c.send(None) starts the generator
    for n in 1..=items {
        out.print(format!("[PRODUCER] Producing {n}..."));
        c.send(n).await.map_err(|_| CONSUMER_GONE)?;
        let r = answers.recv().await.map_err(|_| CONSUMER_GONE)?; // r = c.send(n)
        out.print(format!("[PRODUCER] Consumer return:{r}"));
    }
    drop(c); // c.close()
    Ok(())
}

async fn main(out: Printer, items: u32) -> Result<(), String> {
    let (c, inbox) = channel("c.send(n)", 1);
    let (answers_tx, answers) = channel("yield r", 1);
    let consumer = trace::spawn("consumer", consumer(out.clone(), inbox, answers_tx));
    let producer = trace::spawn("produce", produce(out, c, answers, items));
    let (produced, _) = join(producer, consumer).await;
    produced.map_err(|e| e.to_string())?
}

/// The `queue` variant's producer: `send` waits while the queue is full.
async fn producer(out: Printer, queue: Sender<u32>, items: u32, capacity: u32, produce: Duration) {
    for i in 1..=items {
        sleep(produce).await; // make an item
        out.print(format!("[PRODUCER] Producing {i}..."));
        if queue.len() >= capacity as usize {
            out.print(format!(
                "[PRODUCER] queue full ({capacity}/{capacity}), waiting"
            ));
        }
        if queue.send(i).await.is_err() {
            return;
        }
    }
    // No more items: dropping `queue` closes the channel (Python puts None).
}

async fn consumer_task(out: Printer, queue: Receiver<u32>, consume: Duration) {
    while let Ok(n) = queue.recv().await {
        out.print(format!("[CONSUMER] Consuming {n}..."));
        sleep(consume).await;
    }
}

async fn queue_main(
    out: Printer,
    items: u32,
    capacity: u32,
    produce: Duration,
    consume: Duration,
) -> Result<(), String> {
    let (tx, rx) = channel("queue", capacity); // asyncio.Queue(capacity)
    let queue = tx.id();
    let producing = trace::spawn(
        "producer",
        producer(out.clone(), tx, items, capacity, produce),
    );
    let consuming = trace::spawn("consumer", consumer_task(out.clone(), rx, consume));
    let (p, c) = join(producing, consuming).await;
    p.and(c).map_err(|e| e.to_string())?;
    note_depth_over_time(&out, queue, capacity); // from the trace (below)
    Ok(())
}
// ANCHOR_END: lesson

/// Notes the queue's depth after each put and get, as the trace recorded it, and checks it
/// never passed the capacity.
fn note_depth_over_time(out: &Printer, queue: ResourceId, capacity: u32) {
    let start = out.start_ms();
    let (points, max_depth) = with_recorder(|r| {
        let max_depth = match r.resource_stats(queue).map(|s| &s.detail) {
            Some(ResourceDetail::Channel { max_depth, .. }) => Some(*max_depth),
            _ => None,
        };
        let points: Vec<(f64, u32)> = r
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Resource {
                    resource,
                    what: ResourceEvent::Sent { depth } | ResourceEvent::Received { depth },
                } if *resource == queue => Some((e.t_ms - start, *depth)),
                _ => None,
            })
            .collect();
        (points, max_depth)
    });
    out.note(depth_summary(&points));
    out.check(Check {
        name: format!("the queue never held more than its capacity ({capacity})"),
        ok: max_depth.is_some_and(|d| d <= capacity),
        expected: format!("<= {capacity}"),
        actual: max_depth.map_or("the queue is missing from the trace".to_string(), |d| {
            d.to_string()
        }),
    });
}

/// `queue depth over time (ms → depth): 100 → 1, 101 → 0, ...`, at most [`MAX_DEPTH_POINTS`].
fn depth_summary(points: &[(f64, u32)]) -> String {
    let mut text = String::from("queue depth over time (ms → depth): ");
    for (i, (t, depth)) in points.iter().take(MAX_DEPTH_POINTS).enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "{t:.0} → {depth}");
    }
    if points.len() > MAX_DEPTH_POINTS {
        let _ = write!(text, " … ({} more)", points.len() - MAX_DEPTH_POINTS);
    }
    if points.is_empty() {
        text.push_str("no puts or gets recorded");
    }
    text
}

fn producing(n: u32) -> String {
    format!("[PRODUCER] Producing {n}...")
}

fn consuming(n: u32) -> String {
    format!("[CONSUMER] Consuming {n}...")
}

pub(super) fn checks(params: &ProducerConsumerParams, lines: &[Line]) -> Vec<Check> {
    match params.mode {
        Mode::Send => send_checks(params.items, lines),
        Mode::Queue => queue_checks(params, lines),
    }
}

fn send_checks(items: u32, lines: &[Line]) -> Vec<Check> {
    let expected: Vec<String> = (1..=items)
        .flat_map(|n| {
            [
                producing(n),
                consuming(n),
                "[PRODUCER] Consumer return:200 OK".to_string(),
            ]
        })
        .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    let mut checks = vec![check_lines(lines, &expected)];
    if let Some(last) = lines.last() {
        checks.push(check_at_most(
            "every line at once (no timer is involved)",
            last.t_ms,
            ALL_BY_MS,
        ));
    }
    checks
}

fn queue_checks(params: &ProducerConsumerParams, lines: &[Line]) -> Vec<Check> {
    let items = params.items;
    let produce_ms = millis(params.produce_ms);
    let consume_ms = millis(params.consume_ms);
    let find = |text: &str| lines.iter().position(|l| l.text == text);
    let mut checks = Vec::new();

    // Each item is produced, then consumed, in order, exactly once.
    let produced: Vec<Option<usize>> = (1..=items).map(|n| find(&producing(n))).collect();
    let consumed: Vec<Option<usize>> = (1..=items).map(|n| find(&consuming(n))).collect();
    let in_order =
        |at: &[Option<usize>]| at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]);
    let each_after = produced.iter().zip(&consumed).all(|(p, c)| p < c);
    let full = lines
        .iter()
        .filter(|l| l.text.contains("queue full"))
        .count();
    let counted = 2 * items as usize + full;
    checks.push(Check {
        name: "every item is produced, then consumed, in order, once".to_string(),
        ok: in_order(&produced) && in_order(&consumed) && each_after && lines.len() == counted,
        expected: format!(
            "Producing 1..{items} and Consuming 1..{items}, each after its Producing"
        ),
        actual: lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" / "),
    });

    // Back-pressure: after "queue full" the producer goes on only once the consumer took one.
    let mut waited = true;
    for (i, line) in lines.iter().enumerate() {
        if !line.text.contains("queue full") {
            continue;
        }
        let next_producer = lines[i + 1..]
            .iter()
            .position(|l| l.text.starts_with("[PRODUCER] Producing"));
        let next_consumer = lines[i + 1..]
            .iter()
            .position(|l| l.text.starts_with("[CONSUMER]"));
        if let Some(p) = next_producer {
            waited &= next_consumer.is_some_and(|c| c < p);
        }
    }
    checks.push(Check {
        name: "a full queue makes the producer wait for the consumer".to_string(),
        ok: waited,
        expected: "after each 'queue full', a Consuming before the next Producing".to_string(),
        actual: format!("{full} × queue full"),
    });

    // Never early: item k is consumed no sooner than it was made, nor than the consumer was
    // done with the one before.
    let mut earliest = 0.0;
    let mut early = None;
    for (k, at) in consumed.iter().enumerate() {
        let made = (k + 1) as f64 * produce_ms;
        earliest = if k == 0 {
            made
        } else {
            f64::max(made, earliest + consume_ms)
        };
        if let Some(line) = at.map(|i| &lines[i]) {
            if line.t_ms < earliest && early.is_none() {
                early = Some(format!(
                    "Consuming {} at {:.1} ms, before {earliest} ms",
                    k + 1,
                    line.t_ms
                ));
            }
        }
    }
    checks.push(Check {
        name: "no item consumed before it could be ready".to_string(),
        ok: early.is_none(),
        expected: format!(
            "Consuming k at >= max(k × {produce_ms} ms, the previous one's earliest + {consume_ms} ms)"
        ),
        actual: early.unwrap_or_else(|| "none early".to_string()),
    });
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn send_run(items: u32) -> Vec<Line> {
        let mut run = Vec::new();
        for n in 1..=items {
            for text in [
                producing(n),
                consuming(n),
                "[PRODUCER] Consumer return:200 OK".to_string(),
            ] {
                run.push(Line { t_ms: 0.5, text });
            }
        }
        run
    }

    #[test]
    fn the_send_variant_passes_on_the_seed_output_and_fails_out_of_order() {
        let params = ProducerConsumerParams::default();
        assert!(checks(&params, &send_run(5)).iter().all(|c| c.ok));
        let mut swapped = send_run(5);
        swapped.swap(0, 1);
        assert!(!checks(&params, &swapped)[0].ok);
        assert!(!checks(&params, &send_run(4))[0].ok);
    }

    fn queue_params() -> ProducerConsumerParams {
        ProducerConsumerParams {
            mode: Mode::Queue,
            items: 4,
            capacity: 1,
            ..ProducerConsumerParams::default()
        }
    }

    #[test]
    fn the_queue_variant_checks_order_back_pressure_and_lower_bounds() {
        // produce 100 ms, consume 300 ms, capacity 1.
        let good = lines(&[
            (100.0, "[PRODUCER] Producing 1..."),
            (100.1, "[CONSUMER] Consuming 1..."),
            (200.0, "[PRODUCER] Producing 2..."),
            (300.0, "[PRODUCER] Producing 3..."),
            (300.1, "[PRODUCER] queue full (1/1), waiting"),
            (400.2, "[CONSUMER] Consuming 2..."),
            (500.3, "[PRODUCER] Producing 4..."),
            (500.4, "[PRODUCER] queue full (1/1), waiting"),
            (700.4, "[CONSUMER] Consuming 3..."),
            (1000.5, "[CONSUMER] Consuming 4..."),
        ]);
        let checks_ok = checks(&queue_params(), &good);
        assert!(checks_ok.iter().all(|c| c.ok), "{checks_ok:?}");

        // The producer went on past a full queue before the consumer took anything.
        let mut no_wait = good.clone();
        no_wait.swap(5, 6);
        assert!(!checks(&queue_params(), &no_wait)[1].ok);

        // Item 2 consumed before the consumer could have finished item 1.
        let mut early = good.clone();
        early[5].t_ms = 350.0;
        assert!(!checks(&queue_params(), &early)[2].ok);

        // An item consumed twice, or out of order.
        let mut twice = good;
        twice[9].text = "[CONSUMER] Consuming 3...".to_string();
        assert!(!checks(&queue_params(), &twice)[0].ok);
    }

    #[test]
    fn the_depth_summary_is_capped() {
        let points: Vec<(f64, u32)> = (0..500).map(|i| (i as f64, i % 3)).collect();
        let text = depth_summary(&points);
        assert!(text.ends_with("(300 more)"), "{text}");
        assert_eq!(text.matches('→').count(), 1 + MAX_DEPTH_POINTS);
        assert!(depth_summary(&[]).contains("no puts or gets"));
    }
}
