//! Exports of the recording: Chrome's Trace Event Format (opens in Perfetto and
//! chrome://tracing) and a row per task with tokio-console's columns.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::event::{EventKind, ResourceEvent, TaskId, WakeSource};
use super::recorder::{Recorder, ResourceDetail};

/// The thread id of the lane for what is not a task: timers firing, fetches settling, JS.
const EVENT_LOOP_TID: u64 = 0;
const PID: u64 = 1;

fn us(ms: f64) -> f64 {
    // Trace Event Format timestamps are microseconds; keep sub-microsecond digits out.
    (ms * 1000.0).round()
}

fn tid(task: Option<TaskId>) -> u64 {
    task.map_or(EVENT_LOOP_TID, |t| t.0)
}

/// The recording in Chrome's Trace Event Format: per task an async `b`/`e` span and a thread
/// track with an `X` slice per poll; a flow (`s` -> `f`) from whatever woke a task to the poll
/// it caused; instants for sleeps, cancellations, failures and warnings; counters for semaphore
/// holders and channel depth.
pub fn chrome_trace(rec: &Recorder, now_ms: f64) -> Value {
    let mut out: Vec<Value> = Vec::new();
    out.push(
        json!({"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "asyncscope"}}),
    );
    out.push(
        json!({"ph": "M", "pid": PID, "tid": EVENT_LOOP_TID, "name": "thread_name",
        "args": {"name": "event loop (timers, fetch, JS)"}}),
    );
    for task in rec.tasks() {
        let name = format!("{} {}", task.name, task.id);
        out.push(json!({"ph": "M", "pid": PID, "tid": task.id.0, "name": "thread_name", "args": {"name": name}}));
        out.push(json!({"ph": "M", "pid": PID, "tid": task.id.0, "name": "thread_sort_index", "args": {"sort_index": task.id.0}}));
        out.push(json!({
            "ph": "b", "cat": "task", "name": task.name.as_ref(), "id": task.id.0, "pid": PID, "tid": task.id.0,
            "ts": us(task.spawned_ms),
            "args": {"parent": task.parent.map(|p| p.0), "location": task.location.to_string()},
        }));
        out.push(json!({
            "ph": "e", "cat": "task", "name": task.name.as_ref(), "id": task.id.0, "pid": PID, "tid": task.id.0,
            "ts": us(task.ended_ms.unwrap_or(now_ms)),
            "args": {"state": task.state.as_str(), "polls": task.polls, "wakes": task.wakes,
                     "busy_ms": task.busy_ms_at(now_ms), "idle_ms": task.idle_ms_at(now_ms),
                     "scheduled_ms": task.scheduled_ms_at(now_ms)},
        }));
    }

    let mut poll_start: HashMap<TaskId, f64> = HashMap::new();
    // Wakes whose poll has not come yet: (flow id, time), per woken task.
    let mut waiting: HashMap<TaskId, Vec<u64>> = HashMap::new();
    for event in rec.events().iter() {
        let ts = us(event.t_ms);
        let lane = tid(event.task);
        match &event.kind {
            EventKind::PollStart => {
                if let Some(task) = event.task {
                    poll_start.insert(task, event.t_ms);
                    for flow in waiting.remove(&task).unwrap_or_default() {
                        out.push(
                            json!({"ph": "f", "bp": "e", "cat": "wake", "name": "wake", "id": flow,
                            "pid": PID, "tid": lane, "ts": ts}),
                        );
                    }
                }
            }
            EventKind::PollEnd { ready } => {
                if let Some(start) = event.task.and_then(|t| poll_start.remove(&t)) {
                    out.push(json!({"ph": "X", "cat": "poll", "name": "poll", "pid": PID, "tid": lane,
                        "ts": us(start), "dur": us(event.t_ms) - us(start), "args": {"ready": ready}}));
                }
            }
            EventKind::Woken { by } => {
                let Some(woken) = event.task else { continue };
                let from = match by {
                    WakeSource::Task(t) => t.0,
                    WakeSource::ItSelf => woken.0,
                    _ => {
                        // Not inside a task's poll: give the flow a slice to start from.
                        out.push(
                            json!({"ph": "X", "cat": "wake", "name": format!("{by}"), "pid": PID,
                            "tid": EVENT_LOOP_TID, "ts": ts, "dur": 1}),
                        );
                        EVENT_LOOP_TID
                    }
                };
                out.push(
                    json!({"ph": "s", "cat": "wake", "name": "wake", "id": event.seq,
                    "pid": PID, "tid": from, "ts": ts, "args": {"by": by.label()}}),
                );
                waiting.entry(woken).or_default().push(event.seq);
            }
            EventKind::Spawned { .. } => {}
            EventKind::Resource { resource, what } => {
                let name = rec
                    .resource_stats(*resource)
                    .map_or_else(|| resource.to_string(), |r| r.name.to_string());
                out.push(json!({"ph": "i", "s": "t", "cat": "resource", "name": format!("{name}: {what}"),
                    "pid": PID, "tid": lane, "ts": ts}));
                let counter = match what {
                    ResourceEvent::Acquired { holders, .. }
                    | ResourceEvent::Released { holders } => Some(("holders", u64::from(*holders))),
                    ResourceEvent::Sent { depth } | ResourceEvent::Received { depth } => {
                        Some(("depth", u64::from(*depth)))
                    }
                    _ => None,
                };
                if let Some((key, value)) = counter {
                    out.push(
                        json!({"ph": "C", "name": format!("{name} {key}"), "pid": PID, "ts": ts,
                        "args": {key: value}}),
                    );
                }
            }
            other => {
                out.push(
                    json!({"ph": "i", "s": "t", "cat": "task", "name": other.to_string(),
                    "pid": PID, "tid": lane, "ts": ts}),
                );
            }
        }
    }
    for warning in rec.warnings().iter() {
        out.push(json!({"ph": "i", "s": "t", "cat": "warning", "name": format!("warning: {}", warning.kind.code()),
            "pid": PID, "tid": warning.task.0, "ts": us(warning.t_ms),
            "args": {"message": warning.to_string(), "event": warning.event}}));
    }
    json!({
        "traceEvents": out,
        "displayTimeUnit": "ms",
        "otherData": {
            "generator": "asyncscope",
            "events_kept": rec.events().len(),
            "events_dropped": rec.events().dropped(),
            "tasks_dropped": rec.tasks_dropped(),
            "warnings_dropped": rec.warnings().dropped(),
        },
    })
}

/// One task with tokio-console's columns: what `window.asyncscope.tasks()` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    pub id: u64,
    pub name: String,
    pub parent: Option<u64>,
    pub state: &'static str,
    pub polls: u64,
    pub wakes: u64,
    pub self_wakes: u64,
    pub waker_clones: u64,
    pub waker_drops: u64,
    pub busy_ms: f64,
    pub idle_ms: f64,
    pub scheduled_ms: f64,
    pub total_ms: f64,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub fn task_rows(rec: &Recorder, now_ms: f64) -> Vec<TaskRow> {
    rec.tasks()
        .map(|t| TaskRow {
            id: t.id.0,
            name: t.name.to_string(),
            parent: t.parent.map(|p| p.0),
            state: t.state.as_str(),
            polls: t.polls,
            wakes: t.wakes,
            self_wakes: t.self_wakes,
            waker_clones: t.waker_clones,
            waker_drops: t.waker_drops,
            busy_ms: t.busy_ms_at(now_ms),
            idle_ms: t.idle_ms_at(now_ms),
            scheduled_ms: t.scheduled_ms_at(now_ms),
            total_ms: t.total_ms(now_ms),
            location: t.location.to_string(),
            cancel_reason: t.cancel_reason.map(|r| r.as_str()),
            error: t.error.clone(),
        })
        .collect()
}

/// A short description of a resource's state, for tables.
pub fn describe(detail: &ResourceDetail) -> String {
    match detail {
        ResourceDetail::Semaphore {
            permits,
            holders,
            waiters,
            max_holders,
        } => {
            format!("{holders}/{permits} held, {waiters} waiting, peak {max_holders}")
        }
        ResourceDetail::Channel {
            capacity,
            depth,
            max_depth,
            sent,
            received,
        } => {
            format!("depth {depth}/{capacity} (peak {max_depth}), {sent} sent, {received} received")
        }
        ResourceDetail::Fetch {
            method,
            url,
            status,
            bytes,
            aborted,
            error,
        } => {
            let status = status.map_or_else(|| "…".to_string(), |s| s.to_string());
            let mut s = format!("{method} {url} -> {status}");
            if let Some(b) = bytes {
                s.push_str(&format!(", {b} bytes"));
            }
            if *aborted {
                s.push_str(", aborted");
            }
            if let Some(e) = error {
                s.push_str(&format!(", {e}"));
            }
            s
        }
        ResourceDetail::Request {
            api,
            operation,
            outcome,
            aborted,
            error,
        } => {
            let state = match (outcome, error, aborted) {
                (Some(o), _, _) => o.clone(),
                (_, Some(e), _) => format!("failed: {e}"),
                (_, _, true) => "aborted".to_string(),
                _ => "…".to_string(),
            };
            format!("{api} {operation} -> {state}")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::trace::{CancelReason, Limits};

    /// main (#1) spawns child (#2); child is woken by a timer; main is woken by child finishing.
    fn recording() -> Recorder {
        let mut rec = Recorder::new(Limits::default());
        let here = Location::caller();
        let main = rec.spawn("main", None, here, 0.0);
        rec.poll_start(main, 1.0);
        rec.waker_cloned(main);
        let child = rec.spawn("child", Some(main), here, 1.5);
        rec.poll_end(main, 2.0, false);
        rec.poll_start(child, 3.0);
        rec.waker_cloned(child);
        rec.sleep_started(child, 100.0, 3.0);
        rec.poll_end(child, 4.0, false);
        rec.woken(child, WakeSource::Timer, 104.0);
        rec.poll_start(child, 105.0);
        rec.woken(main, WakeSource::Task(child), 105.5);
        rec.poll_end(child, 106.0, true);
        rec.poll_start(main, 107.0);
        rec.poll_end(main, 180.0, true); // a long poll: a warning
        rec
    }

    fn events_of<'a>(trace: &'a Value, ph: &str) -> Vec<&'a Value> {
        trace["traceEvents"]
            .as_array()
            .expect("traceEvents")
            .iter()
            .filter(|e| e["ph"] == ph)
            .collect()
    }

    #[test]
    fn every_task_has_a_begin_and_an_end_with_its_id() {
        let trace = chrome_trace(&recording(), 200.0);
        let begins = events_of(&trace, "b");
        let ends = events_of(&trace, "e");
        assert_eq!(begins.len(), 2);
        assert_eq!(ends.len(), 2);
        for (b, e) in begins.iter().zip(&ends) {
            assert_eq!(b["id"], e["id"]);
            assert!(b["ts"].as_f64() <= e["ts"].as_f64());
        }
        assert_eq!(begins[1]["args"]["parent"], 1);
        assert_eq!(ends[0]["ts"], 180_000.0, "microseconds");
        assert_eq!(ends[0]["args"]["state"], "done");
    }

    #[test]
    fn each_poll_is_a_complete_slice_on_its_task_track() {
        let trace = chrome_trace(&recording(), 200.0);
        let polls: Vec<(u64, f64, f64)> = events_of(&trace, "X")
            .into_iter()
            .filter(|e| e["cat"] == "poll")
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap_or(0),
                    e["ts"].as_f64().unwrap_or(-1.0),
                    e["dur"].as_f64().unwrap_or(-1.0),
                )
            })
            .collect();
        assert_eq!(
            polls,
            vec![
                (1, 1000.0, 1000.0),
                (2, 3000.0, 1000.0),
                (2, 105_000.0, 1000.0),
                (1, 107_000.0, 73_000.0)
            ]
        );
    }

    #[test]
    fn each_wake_is_a_flow_from_its_source_to_the_poll_it_caused() {
        let trace = chrome_trace(&recording(), 200.0);
        let starts = events_of(&trace, "s");
        let finishes = events_of(&trace, "f");
        assert_eq!(starts.len(), 2);
        assert_eq!(finishes.len(), 2);
        // The timer's wake starts on the event-loop lane, inside a slice made for it.
        assert_eq!(starts[0]["tid"], 0);
        assert_eq!(starts[0]["args"]["by"], "timer");
        assert!(events_of(&trace, "X")
            .iter()
            .any(|x| x["tid"] == 0 && x["ts"] == starts[0]["ts"]));
        // child's completion wakes main: the flow starts on child's track...
        assert_eq!(starts[1]["tid"], 2);
        assert_eq!(starts[1]["args"]["by"], "task");
        // ...and ends at main's next poll.
        let end = finishes
            .iter()
            .find(|f| f["id"] == starts[1]["id"])
            .expect("paired");
        assert_eq!(end["tid"], 1);
        assert_eq!(end["ts"], 107_000.0);
        assert_eq!(end["bp"], "e");
    }

    #[test]
    fn warnings_and_sleeps_are_instants_and_metadata_names_the_tracks() {
        let trace = chrome_trace(&recording(), 200.0);
        let instants = events_of(&trace, "i");
        assert!(instants
            .iter()
            .any(|i| i["name"] == "warning: long-poll" && i["tid"] == 1));
        assert!(instants
            .iter()
            .any(|i| i["name"] == "sleep 100 ms" && i["tid"] == 2));
        let names: Vec<&Value> = events_of(&trace, "M")
            .into_iter()
            .filter(|m| m["name"] == "thread_name")
            .map(|m| &m["args"]["name"])
            .collect();
        assert!(names.contains(&&Value::from("main #1")));
        assert!(names.contains(&&Value::from("child #2")));
    }

    #[test]
    fn the_export_is_json_that_round_trips() {
        let text = chrome_trace(&recording(), 200.0).to_string();
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["otherData"]["events_dropped"], 0);
        for e in parsed["traceEvents"].as_array().expect("array") {
            let ph = e["ph"].as_str().expect("every event has a phase");
            assert!(
                ["M", "b", "e", "X", "s", "f", "i", "C"].contains(&ph),
                "{ph}"
            );
            if ph != "M" {
                assert!(e["ts"].as_f64().is_some(), "{e}");
            }
        }
    }

    #[test]
    fn a_live_task_ends_at_now_and_a_cancelled_one_says_why() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let live = rec.spawn("live", None, here, 0.0);
        let gone = rec.spawn("gone", None, here, 0.0);
        rec.poll_start(gone, 1.0);
        rec.waker_cloned(gone);
        rec.poll_end(gone, 2.0, false);
        rec.cancelled(gone, 3.0, CancelReason::TimedOut);
        let trace = chrome_trace(&rec, 50.0);
        let ends = events_of(&trace, "e");
        assert_eq!(ends[0]["ts"], 50_000.0);
        assert!(events_of(&trace, "i")
            .iter()
            .any(|i| i["name"] == "cancelled (timed out)"));
        let rows = task_rows(&rec, 50.0);
        assert_eq!(rows[0].id, live.0);
        assert_eq!(rows[0].state, "scheduled");
        assert_eq!(rows[0].total_ms, 50.0);
        assert_eq!(rows[1].cancel_reason, Some("timed out"));
    }

    #[test]
    fn task_rows_carry_the_contract_columns() {
        let rows = task_rows(&recording(), 200.0);
        let json = serde_json::to_value(&rows[1]).expect("serializes");
        for key in [
            "id",
            "name",
            "parent",
            "state",
            "polls",
            "wakes",
            "self_wakes",
            "busy_ms",
            "idle_ms",
            "scheduled_ms",
            "total_ms",
            "location",
        ] {
            assert!(json.get(key).is_some(), "missing {key}: {json}");
        }
        assert_eq!(json["name"], "child");
        assert_eq!(json["parent"], 1);
        assert_eq!(json["polls"], 2);
        assert_eq!(json["busy_ms"], 2.0);
        assert_eq!(json["idle_ms"], 100.0);
        assert_eq!(json["scheduled_ms"], 2.5);
        assert_eq!(json["total_ms"], 104.5);
    }
}
