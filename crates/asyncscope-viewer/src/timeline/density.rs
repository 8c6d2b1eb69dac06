//! A folded group's density strip, per pixel column: how many of its tasks poll at once, and
//! what the others wait for, stacked. Pure.

use super::model::{Await, Model, Stretch};
use asyncscope_trace::TaskId;

/// Per pixel column of a folded group: how many members were polling, scheduled, and waiting
/// for each thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Density {
    pub busy: Vec<u32>,
    pub scheduled: Vec<u32>,
    /// By [`Await::index`].
    pub waits: Vec<[u32; 11]>,
}

/// The density of `members` over `cols` pixel columns from `t_from`, `ms_per_px` wide each.
pub fn density(
    model: &Model,
    members: &[TaskId],
    t_from: f64,
    ms_per_px: f64,
    cols: usize,
) -> Density {
    let t_to = t_from + ms_per_px * cols as f64;
    // Differences per column, summed after: each stretch costs two additions, not its width.
    let col = |t: f64| (((t - t_from) / ms_per_px).floor().max(0.0) as usize).min(cols);
    let n = Await::ALL.len();
    let mut busy = vec![0i64; cols + 1];
    let mut sched = vec![0i64; cols + 1];
    let mut waits = vec![0i64; (cols + 1) * n];
    for &m in members {
        let Some(lane) = model.lane(m) else { continue };
        for p in lane.polls_in(t_from, t_to) {
            busy[col(p.start)] += 1;
            busy[(col(p.end) + 1).min(cols)] -= 1;
        }
        model.stretches(lane, t_from, t_to, |t0, t1, s| {
            let (c0, c1) = (col(t0), (col(t1) + 1).min(cols));
            match s {
                Stretch::Waiting(a, _) => {
                    waits[c0 * n + a.index()] += 1;
                    waits[c1 * n + a.index()] -= 1;
                }
                Stretch::Scheduled(_) => {
                    sched[c0] += 1;
                    sched[c1] -= 1;
                }
            }
        });
    }
    let mut out = Density {
        busy: Vec::with_capacity(cols),
        scheduled: Vec::with_capacity(cols),
        waits: Vec::with_capacity(cols),
    };
    let (mut b, mut s) = (0i64, 0i64);
    let mut w = [0i64; 11];
    for c in 0..cols {
        b += busy[c];
        s += sched[c];
        let mut column = [0u32; 11];
        for k in 0..n {
            w[k] += waits[c * n + k];
            column[k] = w[k].max(0) as u32;
        }
        out.busy.push(b.max(0) as u32);
        out.scheduled.push(s.max(0) as u32);
        out.waits.push(column);
    }
    out
}

/// How a column of a group's band is split, from the bottom: (what, px) for each kind of wait
/// present (by [`Await::index`]; 11: scheduled), the commonest first and the rest at least 2 px
/// high, so that one task among 500 still shows. A fixed array: a frame splits a thousand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub parts: [(u8, u8); 12],
    pub len: usize,
}

pub fn band(column: &[u32; 11], scheduled: u32, room: f64) -> Band {
    let mut counts = [(0u8, 0u32); 12];
    let mut len = 0;
    for (k, &n) in column
        .iter()
        .enumerate()
        .chain(std::iter::once((11, &scheduled)))
    {
        if n > 0 {
            counts[len] = (k as u8, n);
            len += 1;
        }
    }
    let parts = &mut counts[..len];
    parts.sort_unstable_by_key(|p| std::cmp::Reverse(p.1));
    let total = f64::from(parts.iter().map(|p| p.1).sum::<u32>().max(1));
    // The others first, each its share but at least 2 px (as many as fit); the commonest the rest.
    let fit = ((room - 2.0) / 2.0).floor().max(0.0) as usize;
    let minors = &parts[1.min(len)..];
    let mut shares = [0.0f64; 11];
    for (share, p) in shares.iter_mut().zip(minors) {
        *share = (room * f64::from(p.1) / total).round().max(2.0);
    }
    let shares = &shares[..minors.len()];
    let squeeze = shares.iter().sum::<f64>() > room - 2.0;
    let mut out = Band {
        parts: [(0, 0); 12],
        len: 0,
    };
    let mut used = 0.0;
    let mut rest = [(0u8, 0u8); 11];
    let mut n = 0;
    for (p, share) in minors
        .iter()
        .zip(shares)
        .take(if squeeze { fit } else { minors.len() })
    {
        let px = if squeeze { 2.0 } else { *share };
        rest[n] = (p.0, px as u8);
        n += 1;
        used += px;
    }
    if let Some(first) = parts.first() {
        out.parts[0] = (first.0, (room - used).max(0.0).round() as u8);
        out.parts[1..=n].copy_from_slice(&rest[..n]);
        out.len = n + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use asyncscope_trace::{Recorder, ResourceDetail, ResourceEvent, WakeSource};

    #[test]
    fn a_column_counts_who_polls_who_is_scheduled_and_what_the_rest_wait_for() {
        let here = Location::caller();
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "lock",
            ResourceDetail::Semaphore {
                permits: 1,
                holders: 1,
                waiters: 0,
                max_holders: 1,
            },
            here,
            None,
            0.0,
        );
        let tasks: Vec<TaskId> = (0..4)
            .map(|i| rec.spawn(&format!("t-{i}"), None, here, 0.0))
            .collect();
        for (i, &t) in tasks.iter().enumerate() {
            rec.waker_cloned(t);
            if i < 3 {
                rec.resource(sem, Some(t), ResourceEvent::Waiting { waiters: 1 }, 0.5);
            }
            rec.poll(t, 0.2 * i as f64, 0.2 * i as f64 + 0.1, false);
        }
        // t-0 polls from 10 to 20; t-1 is woken at 5 and waits for its turn; t-2 waits on.
        rec.woken(tasks[0], WakeSource::Semaphore(sem), 9.0);
        rec.woken(tasks[1], WakeSource::Semaphore(sem), 5.0);
        rec.poll(tasks[0], 10.0, 20.0, false);
        let model = Model::build(&rec, 30.0);
        // One column a millisecond, from 0 to 30.
        let d = density(&model, &tasks, 0.0, 1.0, 30);
        let col = 15;
        assert_eq!(d.busy[col], 1, "t-0 polls");
        assert_eq!(d.scheduled[col], 1, "t-1 was woken and waits for its poll");
        assert_eq!(
            d.waits[col][Await::Semaphore.index()],
            1,
            "t-2 waits for the lock"
        );
        assert_eq!(d.waits[col][Await::Unknown.index()], 1, "t-3 said nothing");
        assert_eq!(d.busy[25], 0);
        let split = band(&d.waits[col], d.scheduled[col], 14.0);
        assert_eq!(split.len, 3);
        assert!(
            split.parts[..split.len].iter().all(|p| p.1 >= 2),
            "each kind present shows: {split:?}"
        );
        let total: u32 = split.parts[..split.len]
            .iter()
            .map(|p| u32::from(p.1))
            .sum();
        assert!(total <= 14);
    }
}
