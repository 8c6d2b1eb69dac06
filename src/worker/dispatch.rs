//! The worker's side of the protocol: what it answers to each job. Pure (the clock and the
//! chat room are passed in), so that the worker binary is a listener around it and this is
//! tested natively.

use super::{Answer, CpuWork, Job, MAX_WORK_MS};
use crate::chat::{MAX_NAME_BYTES, SERVER};

/// The longest BroadcastChannel name a [`Job::JoinChat`] may give.
pub const MAX_CHANNEL_BYTES: usize = 64;

/// Answers one job: spins by the clock `now` (the worker's own `performance.now()`), or joins
/// the chat room through `join_chat(channel, name)`, which gives why not in words. A job's
/// values are checked here, before anything runs.
pub fn answer(
    job: Job,
    now: impl FnMut() -> f64,
    join_chat: impl FnOnce(&str, &str) -> Result<(), String>,
) -> Answer {
    match job {
        Job::CpuWork { work_ms } if (0.0..=MAX_WORK_MS).contains(&work_ms) => {
            let mut work = CpuWork::new();
            work.run_for(work_ms, now);
            Answer::WorkDone { work }
        }
        Job::CpuWork { work_ms } => Answer::Failed {
            error: format!("work_ms must be from 0 to {MAX_WORK_MS}, got {work_ms}"),
        },
        Job::JoinChat { channel, name } => {
            if let Err(error) = check_join(&channel, &name) {
                return Answer::Failed { error };
            }
            match join_chat(&channel, &name) {
                Ok(()) => Answer::Joined { name },
                Err(error) => Answer::Failed { error },
            }
        }
    }
}

/// A join's names: both short, and the worker's a server's, since servers never answer one
/// another: a worker that joined as a tab would echo another worker's echo forever.
fn check_join(channel: &str, name: &str) -> Result<(), String> {
    if channel.is_empty() || channel.len() > MAX_CHANNEL_BYTES {
        return Err(format!(
            "a channel name of {} bytes (1 to {MAX_CHANNEL_BYTES})",
            channel.len()
        ));
    }
    if name.len() > MAX_NAME_BYTES || !name.starts_with(SERVER) {
        return Err(format!(
            "the worker joins as a server: a name starting with {SERVER:?}, at most \
             {MAX_NAME_BYTES} bytes, got {} bytes",
            name.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::cpu_work::tests::ticking;

    fn no_room(_: &str, _: &str) -> Result<(), String> {
        panic!("the job was refused before it joined anything")
    }

    #[test]
    fn the_worker_does_the_work_it_is_asked_and_refuses_a_budget_out_of_range() {
        let Answer::WorkDone { work } =
            answer(Job::CpuWork { work_ms: 5.0 }, ticking(1.0), no_room)
        else {
            panic!("the job is done")
        };
        assert_eq!(work.busy_ms, 5.0);
        for (work_ms, shown) in [(20000.0, "20000"), (-1.0, "-1"), (f64::NAN, "NaN")] {
            assert_eq!(
                answer(Job::CpuWork { work_ms }, ticking(1.0), no_room),
                Answer::Failed {
                    error: format!("work_ms must be from 0 to 10000, got {shown}")
                }
            );
        }
    }

    #[test]
    fn the_worker_joins_a_room_as_a_server_and_says_why_it_did_not() {
        let join = |channel: &str, name: &str| Job::JoinChat {
            channel: channel.to_string(),
            name: name.to_string(),
        };
        let mut joined = None;
        let got = answer(join("room", "server-1"), ticking(1.0), |c, n| {
            joined = Some((c.to_string(), n.to_string()));
            Ok(())
        });
        assert_eq!(
            got,
            Answer::Joined {
                name: "server-1".into()
            }
        );
        assert_eq!(joined, Some(("room".into(), "server-1".into())));
        // The room's own refusal comes back in its words.
        assert_eq!(
            answer(join("room", "server-1"), ticking(1.0), |_, _| Err(
                "no".into()
            )),
            Answer::Failed { error: "no".into() }
        );
        // Checked before joining: a tab's name, an empty or a huge one.
        for (channel, name) in [
            ("room", "tab-1"),
            ("room", ""),
            ("", "server-1"),
            (&*"c".repeat(65), "server-1"),
            ("room", &*format!("server-{}", "x".repeat(64))),
        ] {
            assert!(
                matches!(
                    answer(join(channel, name), ticking(1.0), no_room),
                    Answer::Failed { .. }
                ),
                "{channel:?} {name:?}"
            );
        }
    }
}
