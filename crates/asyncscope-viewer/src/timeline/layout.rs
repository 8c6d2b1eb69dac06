//! The rows the timeline shows, in order: a lane per task, each root in spawn order with its
//! descendants right under it; siblings of one name pattern (`increment-1` .. `increment-500`)
//! folded into one group row unless expanded; and the counter tracks pinned under the lanes.
//! Pure, redone only when lanes come or go or a group is opened or closed.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::model::{FlightClass, IdMap, Model};
use asyncscope_trace::{ResourceId, TaskId};

/// Siblings sharing a name pattern fold into a group from this many on.
pub const GROUP_MIN: usize = 8;
/// Counter tracks shown at most (the first ones, by resource).
pub const MAX_TRACKS: usize = 6;

/// A group of siblings: their parent (None: roots) and their name with its trailing number cut.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey {
    pub parent: Option<TaskId>,
    pub pattern: Rc<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Lane {
        task: TaskId,
        depth: usize,
    },
    Group {
        key: GroupKey,
        depth: usize,
        /// Its tasks, by id.
        members: Rc<[TaskId]>,
        /// Tasks under its members (drawn in its row while it is folded).
        descendants: usize,
        expanded: bool,
        /// "increment-* ×500".
        label: String,
    },
}

/// A counter track under the lanes.
#[derive(Debug, Clone, PartialEq)]
pub enum Track {
    /// A semaphore's holders or a channel's depth.
    Counter(ResourceId),
    /// Fetches (or one API's requests) in flight.
    Flights(FlightClass),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    pub rows: Vec<Row>,
    /// The row that shows each task (a folded group's row for its members and theirs).
    row_of: IdMap<TaskId, usize>,
    /// Every group, folded or not, in row order: (row, key, size).
    pub groups: Vec<(usize, GroupKey, usize)>,
    pub tracks: Vec<Track>,
    /// Tracks left out past [`MAX_TRACKS`].
    pub tracks_hidden: usize,
}

/// `name` without its trailing number, and whether it had one: ("increment-", true) for
/// "increment-12", ("worker", false) for "worker".
pub fn pattern(name: &str) -> (&str, bool) {
    let cut = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if cut.is_empty() || cut.len() == name.len() {
        (name, false)
    } else {
        (cut, true)
    }
}

fn group_label(name: &str, size: usize) -> String {
    match pattern(name) {
        (cut, true) => format!("{cut}* ×{size}"),
        (whole, false) => format!("{whole} ×{size}"),
    }
}

enum Work {
    /// A task's own lane, then its children.
    Lane(TaskId, usize),
    /// The children of a task (None: the roots).
    Children(Option<TaskId>, usize),
    /// A group of siblings: its key, a member's name, its members.
    Group(GroupKey, Rc<str>, Vec<TaskId>, usize),
}

impl Layout {
    /// The rows of `model` with the groups in `expanded` open.
    pub fn new(model: &Model, expanded: &HashSet<GroupKey>) -> Layout {
        let mut layout = Layout::default();
        // Depth first, without recursion: a chain of spawns can be as deep as it likes.
        let mut stack = vec![Work::Children(None, 0)];
        while let Some(work) = stack.pop() {
            match work {
                Work::Lane(task, depth) => {
                    layout.row_of.insert(task, layout.rows.len());
                    layout.rows.push(Row::Lane { task, depth });
                    stack.push(Work::Children(Some(task), depth + 1));
                }
                Work::Children(parent, depth) => {
                    let kids = model.children(parent);
                    let mut buckets = buckets(model, kids);
                    let mut todo: Vec<Work> = Vec::with_capacity(kids.len().min(64));
                    for &kid in kids {
                        let Some(lane) = model.lane(kid) else {
                            continue;
                        };
                        let cut = pattern(&lane.name).0;
                        match buckets.get_mut(cut) {
                            // The first of a big bucket places the whole group.
                            Some(members) if members.len() >= GROUP_MIN => {
                                let members = std::mem::take(members);
                                let key = GroupKey {
                                    parent,
                                    pattern: Rc::from(cut),
                                };
                                todo.push(Work::Group(key, Rc::clone(&lane.name), members, depth));
                            }
                            // A later member of a group already placed.
                            Some(members) if members.is_empty() => {}
                            _ => todo.push(Work::Lane(kid, depth)),
                        }
                    }
                    stack.extend(todo.into_iter().rev());
                }
                Work::Group(key, name, members, depth) => {
                    let open = expanded.contains(&key);
                    let row = layout.rows.len();
                    let mut descendants = 0;
                    if open {
                        stack.extend(members.iter().rev().map(|&m| Work::Lane(m, depth + 1)));
                    } else {
                        for &m in &members {
                            layout.row_of.insert(m, row);
                            // Everything under a folded member is drawn in the group's row.
                            let mut under: Vec<TaskId> = model.children(Some(m)).to_vec();
                            while let Some(d) = under.pop() {
                                descendants += 1;
                                layout.row_of.insert(d, row);
                                under.extend_from_slice(model.children(Some(d)));
                            }
                        }
                    }
                    layout.groups.push((row, key.clone(), members.len()));
                    layout.rows.push(Row::Group {
                        key,
                        depth,
                        label: group_label(&name, members.len()),
                        members: Rc::from(members),
                        descendants,
                        expanded: open,
                    });
                }
            }
        }
        layout.refresh_tracks(model);
        layout
    }

    /// The counter tracks of `model` as it is now (they come and go with its resources).
    pub fn refresh_tracks(&mut self, model: &Model) {
        let mut tracks: Vec<Track> = model
            .counters()
            .map(|c| Track::Counter(c.resource))
            .collect();
        tracks.extend(model.flight_classes().cloned().map(Track::Flights));
        self.tracks_hidden = tracks.len().saturating_sub(MAX_TRACKS);
        tracks.truncate(MAX_TRACKS);
        self.tracks = tracks;
    }

    /// The row that shows `task`, if any.
    pub fn row_of(&self, task: TaskId) -> Option<usize> {
        self.row_of.get(&task).copied()
    }

    /// Tasks in the layout (every lane, and every task folded into a group).
    pub fn tasks(&self) -> usize {
        self.row_of.len()
    }
}

/// The children's names bucketed by pattern (only worth it when there are enough of them).
fn buckets<'m>(model: &'m Model, kids: &[TaskId]) -> HashMap<&'m str, Vec<TaskId>> {
    let mut buckets: HashMap<&str, Vec<TaskId>> = HashMap::new();
    if kids.len() < GROUP_MIN {
        return buckets;
    }
    for &kid in kids {
        if let Some(lane) = model.lane(kid) {
            buckets.entry(pattern(&lane.name).0).or_default().push(kid);
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use asyncscope_trace::{Recorder, ResourceDetail};

    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn a_name_loses_its_trailing_number_only() {
        assert_eq!(pattern("increment-12"), ("increment-", true));
        assert_eq!(pattern("count3"), ("count", true));
        assert_eq!(pattern("worker"), ("worker", false));
        assert_eq!(
            pattern("42"),
            ("42", false),
            "nothing left: the name itself"
        );
    }

    /// main, with `n` children named increment-1.., two other children, and a child under the
    /// first increment.
    fn family(n: usize) -> (Recorder, TaskId, Vec<TaskId>, TaskId) {
        let mut rec = Recorder::default();
        let main = rec.spawn("main", None, here(), 0.0);
        let log = rec.spawn("log", Some(main), here(), 0.5);
        let kids: Vec<TaskId> = (1..=n)
            .map(|i| rec.spawn(&format!("increment-{i}"), Some(main), here(), 1.0))
            .collect();
        let grandchild = rec.spawn("inner", kids.first().copied(), here(), 2.0);
        rec.spawn("flush", Some(main), here(), 3.0);
        (rec, log, kids, grandchild)
    }

    #[test]
    fn siblings_of_one_pattern_fold_into_a_group_where_the_first_was() {
        let (rec, log, kids, grandchild) = family(500);
        let model = Model::build(&rec, 10.0);
        let layout = Layout::new(&model, &HashSet::new());
        let shape: Vec<String> = layout
            .rows
            .iter()
            .map(|r| match r {
                Row::Lane { task, depth } => {
                    format!("{depth} {}", model.lane(*task).map_or("?", |l| &*l.name))
                }
                Row::Group {
                    depth,
                    label,
                    members,
                    descendants,
                    expanded,
                    ..
                } => format!("{depth} {label} {} {descendants} {expanded}", members.len()),
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                "0 main",
                "1 log",
                "1 increment-* ×500 500 1 false",
                "1 flush"
            ]
        );
        assert_eq!(layout.row_of(log), Some(1));
        assert!(kids.iter().all(|k| layout.row_of(*k) == Some(2)));
        assert_eq!(
            layout.row_of(grandchild),
            Some(2),
            "a folded member's children are drawn in its group's row"
        );
        assert_eq!(layout.groups.len(), 1);
        assert_eq!(layout.tasks(), 504);
    }

    #[test]
    fn an_opened_group_shows_each_member_under_it_with_their_children() {
        let (rec, _, kids, grandchild) = family(10);
        let model = Model::build(&rec, 10.0);
        let folded = Layout::new(&model, &HashSet::new());
        let key = folded.groups[0].1.clone();
        assert_eq!(key.pattern.as_ref(), "increment-");
        let open = Layout::new(&model, &HashSet::from([key]));
        assert_eq!(open.rows.len(), 2 + 1 + 10 + 1 + 1);
        assert_eq!(open.row_of(kids[0]), Some(3));
        assert_eq!(open.row_of(grandchild), Some(4));
        assert_eq!(
            open.rows[4],
            Row::Lane {
                task: grandchild,
                depth: 3
            }
        );
        assert_eq!(open.row_of(kids[1]), Some(5));
        assert!(matches!(open.rows[2], Row::Group { expanded: true, .. }));
    }

    #[test]
    fn fewer_siblings_than_a_group_keep_their_lanes() {
        let (rec, _, kids, _) = family(GROUP_MIN - 1);
        let model = Model::build(&rec, 10.0);
        let layout = Layout::new(&model, &HashSet::new());
        assert!(layout.groups.is_empty());
        let rows: Vec<usize> = kids.iter().filter_map(|k| layout.row_of(*k)).collect();
        // main, log, then each increment (the first with its child right under it).
        assert_eq!(rows, vec![2, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn counters_become_tracks_in_resource_order_and_at_most_six() {
        let mut rec = Recorder::default();
        for i in 0..8 {
            rec.resource_created(
                &format!("s{i}"),
                ResourceDetail::Semaphore {
                    permits: 1,
                    holders: 0,
                    waiters: 0,
                    max_holders: 0,
                },
                here(),
                None,
                i as f64,
            );
        }
        let model = Model::build(&rec, 10.0);
        let layout = Layout::new(&model, &HashSet::new());
        assert_eq!(layout.tracks.len(), MAX_TRACKS);
        assert_eq!(layout.tracks_hidden, 2);
        let names: Vec<String> = layout
            .tracks
            .iter()
            .map(|t| match t {
                Track::Counter(r) => model
                    .resource(*r)
                    .map_or_else(String::new, |i| i.meta.name.to_string()),
                Track::Flights(_) => String::new(),
            })
            .collect();
        assert_eq!(names, ["s0", "s1", "s2", "s3", "s4", "s5"]);
    }
}
