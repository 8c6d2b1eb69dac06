//! What the trace panel draws, read from a recording in one go: [`Snapshot::read`]. The panel
//! takes a snapshot when the tracer says the recording changed (at most once per frame), at a tick
//! of its live clock, or when what is on show changes (a tab, a task, a replayed moment, the time
//! window); its views render from it, passed down as props, and never read the recorder
//! themselves. Only what the tab on show needs is read: a snapshot costs what one redraw did.

use std::rc::Rc;

use asyncscope_trace::{Recorder, TaskId, TaskStats, Warning};

use super::loop_lanes::LoopData;
use super::names;
use super::resources::ResourcesData;
use super::task_table::DetailData;

/// The panel's tabs.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Tab {
    #[default]
    Tasks,
    Warnings,
    Resources,
    Loop,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Tasks, Tab::Warnings, Tab::Resources, Tab::Loop];

    /// The tab button's element id.
    pub fn id(self) -> &'static str {
        match self {
            Tab::Tasks => "trace-tab-tasks",
            Tab::Warnings => "trace-tab-warnings",
            Tab::Resources => "trace-tab-resources",
            Tab::Loop => "trace-tab-loop",
        }
    }
}

/// What is on show, which says what a snapshot reads.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Wanted {
    pub tab: Tab,
    /// The task whose detail is open (under the task table).
    pub selected: Option<TaskId>,
    /// The timeline's window on screen (the event-loop tab lists its turns).
    pub window: (f64, f64),
    /// The replayed event, if the scrubber holds one (never while a run goes on).
    pub scrub: Option<u64>,
}

/// What the tab on show draws.
pub enum TabData {
    /// Every task, by id, and the open task's detail.
    Tasks {
        tasks: Vec<TaskStats>,
        detail: Option<Box<DetailData>>,
    },
    /// The warnings (in [`Snapshot::warnings`]: the tab's label counts them).
    Warnings,
    Resources(ResourcesData),
    Loop(LoopData),
}

impl TabData {
    /// The tab this is the content of.
    pub fn tab(&self) -> Tab {
        match self {
            TabData::Tasks { .. } => Tab::Tasks,
            TabData::Warnings => Tab::Warnings,
            TabData::Resources(_) => Tab::Resources,
            TabData::Loop(_) => Tab::Loop,
        }
    }
}

/// The recording as the panel draws it, at one moment.
pub struct Snapshot {
    /// The first and last events the live recording still holds (the scrubber's range).
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// When the oldest and the newest kept events were recorded.
    pub first_t: Option<f64>,
    pub last_t: Option<f64>,
    /// The replayed event: its number, when it was recorded, and what it was in words.
    pub cursor: Option<(u64, f64, String)>,
    /// The moment the stats run to: when the snapshot was taken, or the replayed moment.
    pub now: f64,
    /// Why the recording does not grow, when it does not.
    pub recording_off: Option<&'static str>,
    pub warnings: Vec<Warning>,
    pub tab: TabData,
}

impl Snapshot {
    /// Nothing recorded yet: what the panel shows until its first snapshot.
    pub fn empty(now: f64) -> Snapshot {
        Snapshot {
            first_seq: None,
            last_seq: None,
            first_t: None,
            last_t: None,
            cursor: None,
            now,
            recording_off: None,
            warnings: Vec::new(),
            tab: TabData::Warnings,
        }
    }

    /// Reads what `wanted` puts on show: the scrubber's range from the `live` recording, the
    /// rest from `past` (the recording as of the replayed event) when replaying, else from
    /// `live`, with the stats running to `now`.
    pub fn read(live: &Recorder, past: Option<&Recorder>, wanted: &Wanted, now: f64) -> Snapshot {
        let events = live.events();
        let first_seq = events.iter().next().map(|e| e.seq);
        let cursor = past.and(wanted.scrub).and_then(|seq| {
            events.get(seq).map(|e| {
                let who = e.task.map(|t| format!("{}: ", names::task(live, t)));
                (
                    seq,
                    e.t_ms,
                    format!("{}{}", who.unwrap_or_default(), names::event(live, &e)),
                )
            })
        });
        // Live stats run to now; a replayed moment's, to that moment.
        let now = cursor.as_ref().map_or(now, |c| c.1);
        let rec = past.unwrap_or(live);
        let tab = match wanted.tab {
            Tab::Tasks => TabData::Tasks {
                tasks: rec.tasks().cloned().collect(),
                detail: wanted
                    .selected
                    .map(|id| Box::new(DetailData::read(rec, id))),
            },
            Tab::Warnings => TabData::Warnings,
            Tab::Resources => TabData::Resources(ResourcesData::read(rec)),
            Tab::Loop => TabData::Loop(LoopData::read(rec, wanted.window)),
        };
        Snapshot {
            first_seq,
            last_seq: live.recorded().checked_sub(1),
            first_t: events.get(events.first_seq()).map(|e| e.t_ms),
            last_t: events.last().map(|e| e.t_ms),
            cursor,
            now,
            recording_off: recording_off(live),
            warnings: rec.warnings().iter().cloned().collect(),
            tab,
        }
    }
}

/// Why `live` does not grow, in words, when it does not.
fn recording_off(live: &Recorder) -> Option<&'static str> {
    if live.is_recording() {
        None
    } else if asyncscope_trace::ENABLED {
        Some("Recording is off (set_recording(false)): this is what was recorded until then.")
    } else {
        Some(
            "This build records nothing: asyncscope-trace was built without its `enabled` \
             feature.",
        )
    }
}

/// A snapshot as a view's prop: equal when it is the same one (a new snapshot is a new
/// allocation, so a view renders again exactly when the panel took a new one).
#[derive(Clone)]
pub struct SnapshotRef(pub Rc<Snapshot>);

impl PartialEq for SnapshotRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for SnapshotRef {
    type Target = Snapshot;

    fn deref(&self) -> &Snapshot {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use asyncscope_trace::{EventKind, WakeSource};

    use super::*;

    /// Task "a": spawned, polled, woken by a timer, polled to its end.
    fn recording() -> (Recorder, TaskId) {
        let mut rec = Recorder::default();
        let a = rec.spawn("a", None, Location::caller(), 0.0);
        rec.waker_cloned(a);
        rec.poll(a, 1.0, 2.0, false);
        rec.woken(a, WakeSource::Timer, 10.0);
        rec.poll(a, 10.5, 11.0, true);
        (rec, a)
    }

    #[test]
    fn a_snapshot_reads_what_the_tab_on_show_draws_and_nothing_else() {
        let (rec, a) = recording();
        let on_show = |tab: Tab| Wanted {
            tab,
            selected: Some(a),
            window: (0.0, 100.0),
            scrub: None,
        };
        let tasks = Snapshot::read(&rec, None, &on_show(Tab::Tasks), 20.0);
        match &tasks.tab {
            TabData::Tasks { tasks, detail } => {
                assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), [a]);
                assert!(detail.as_ref().is_some_and(|d| d.id == a));
            }
            _ => panic!("the tasks tab reads the tasks"),
        }
        assert_eq!(tasks.now, 20.0, "live stats run to when it was taken");
        assert!(tasks.cursor.is_none());
        assert_eq!(tasks.first_seq, Some(0));
        assert_eq!(tasks.last_seq, rec.recorded().checked_sub(1));
        assert_eq!((tasks.first_t, tasks.last_t), (Some(0.0), Some(11.0)));
        for tab in [Tab::Warnings, Tab::Resources, Tab::Loop] {
            assert_eq!(
                Snapshot::read(&rec, None, &on_show(tab), 20.0).tab.tab(),
                tab
            );
        }
    }

    #[test]
    fn a_replayed_moment_is_read_from_the_past_with_its_stats_as_of_then() {
        let (rec, a) = recording();
        let first_poll = rec
            .events()
            .iter()
            .find(|e| matches!(e.kind, EventKind::Polled { .. }))
            .map(|e| e.seq)
            .expect("a poll");
        let past = rec.as_of(first_poll);
        let wanted = Wanted {
            scrub: Some(first_poll),
            ..Wanted::default()
        };
        let snapshot = Snapshot::read(&rec, Some(&past), &wanted, 99.0);
        let (seq, t, what) = snapshot.cursor.clone().expect("the replayed event");
        assert_eq!((seq, t), (first_poll, 2.0));
        assert!(what.starts_with(&format!("a {a}: ")), "{what}");
        assert_eq!(snapshot.now, 2.0, "stats run to the replayed moment");
        // The scrubber still spans the whole recording.
        assert_eq!(snapshot.last_seq, rec.recorded().checked_sub(1));
        match &snapshot.tab {
            TabData::Tasks { tasks, .. } => assert_eq!(tasks[0].polls, 1),
            _ => panic!("the tasks tab"),
        }
    }
}
