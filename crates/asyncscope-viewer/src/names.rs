//! Events in words, with names rather than bare ids ("woken by semaphore 'sem'", "spawned by
//! main #1", "'GET /api/delay/500' response 200"), for the task's event list and the replay's
//! position. A task or resource the recording no longer holds is named by its id.

use asyncscope_trace::{Event, EventKind, Recorder, ResourceId, TaskId, TaskKind, WakeSource};

/// "main #1", or "task #1" when the recording forgot it.
pub fn task(rec: &Recorder, id: TaskId) -> String {
    rec.task(id)
        .map_or_else(|| format!("task {id}"), |t| format!("{} {id}", t.name()))
}

/// "semaphore 'sem'", "fetch 'GET /api/posts/1'", or "resource r3" when forgotten.
pub fn resource(rec: &Recorder, id: ResourceId) -> String {
    rec.resource_stats(id).map_or_else(
        || format!("resource {id}"),
        |r| format!("{} '{}'", r.detail.kind().as_str(), r.name()),
    )
}

/// What a wake came from, in words.
pub fn source(rec: &Recorder, by: WakeSource) -> String {
    match by {
        WakeSource::Timer => "a timer".to_string(),
        WakeSource::Fetch(r)
        | WakeSource::Channel(r)
        | WakeSource::Semaphore(r)
        | WakeSource::Request(r) => resource(rec, r),
        WakeSource::Task(t) => task(rec, t),
        WakeSource::OwnPoll => "itself".to_string(),
        WakeSource::External => "JS, outside the traced tasks".to_string(),
    }
}

/// An event of a task (or a resource), in words with names.
pub fn event(rec: &Recorder, e: &Event) -> String {
    match &e.kind {
        EventKind::Spawned { parent, meta } => {
            let first = match meta.kind {
                TaskKind::Spawned => "spawned",
                TaskKind::Instrumented => "first polled",
                TaskKind::Span => "span entered",
            };
            match parent {
                Some(p) => format!("{first} by {}", task(rec, *p)),
                None => first.to_string(),
            }
        }
        EventKind::Woken { by, from } => {
            let mut s = format!("woken by {}", source(rec, *by));
            if let (Some(from), false) = (
                from,
                matches!(by, WakeSource::Task(_) | WakeSource::OwnPoll),
            ) {
                s.push_str(&format!(", in {}'s poll", task(rec, *from)));
            }
            s
        }
        EventKind::AbortRequested { by: Some(by) } => format!("aborted by {}", task(rec, *by)),
        EventKind::Resource { resource: r, what } => format!("{} {what}", resource(rec, *r)),
        _ => e.describe(),
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use asyncscope_trace::{ResourceDetail, ResourceEvent};

    #[test]
    fn events_name_their_tasks_and_resources() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let main = rec.spawn("main", None, here, 0.0);
        let child = rec.spawn("count-1", Some(main), here, 1.5);
        let sem = rec.resource_created(
            "sem",
            ResourceDetail::Semaphore {
                permits: 1,
                holders: 0,
                waiters: 0,
                max_holders: 0,
            },
            here,
            Some(main),
            1.6,
        );
        rec.poll(main, 1.0, 2.0, false);
        rec.woken(child, WakeSource::Semaphore(sem), 3.0);
        rec.resource(
            sem,
            Some(child),
            ResourceEvent::Acquired {
                holders: 1,
                waiters: 0,
            },
            4.0,
        );
        let said: Vec<String> = rec
            .events()
            .iter()
            .filter(|e| e.task == Some(child))
            .map(|e| event(&rec, &e))
            .collect();
        assert_eq!(
            said,
            vec![
                format!("spawned by main {main}"),
                "woken by semaphore 'sem'".to_string(),
                "semaphore 'sem' acquired (1 holding, 0 waiting)".to_string(),
            ]
        );
        let ghost = TaskId::new(999_999).expect("an id");
        assert_eq!(task(&rec, ghost), "task #999999");
    }
}
