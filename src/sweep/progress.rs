//! Progress reporting while a sweep runs: a bar on a terminal, plain lines in a log.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Receives progress from the runner. Calls come from one thread, in order.
pub trait Progress: Sync {
    /// The sweep starts: `total` runs to go through, `done` of them already finished
    /// (resumed).
    fn start(&self, total: usize, done: usize) {
        let _ = (total, done);
    }
    /// `done` runs are finished now (counting resumed ones).
    fn advance(&self, done: usize) {
        let _ = done;
    }
    /// The last run is written.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// The progress display `triad sweep` uses: an indicatif bar (runs, runs/s, ETA) when
/// stderr is a terminal, otherwise one plain line every few seconds.
#[derive(Debug)]
pub struct Reporter {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    bar: Option<indicatif::ProgressBar>,
    plain_every: Duration,
    started: Instant,
    last_line: Instant,
    total: usize,
    resumed: usize,
}

impl Reporter {
    /// A reporter on stderr; `quiet` silences it.
    pub fn stderr(quiet: bool) -> Reporter {
        let terminal = !quiet && std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let style = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            indicatif::ProgressBar::new(0).with_style(style)
        });
        let now = Instant::now();
        Reporter {
            inner: Mutex::new(Inner {
                bar,
                plain_every: if quiet {
                    Duration::MAX
                } else {
                    Duration::from_secs(5)
                },
                started: now,
                last_line: now,
                total: 0,
                resumed: 0,
            }),
        }
    }
}

impl Progress for Reporter {
    fn start(&self, total: usize, done: usize) {
        let Ok(mut s) = self.inner.lock() else { return };
        s.total = total;
        s.resumed = done;
        s.started = Instant::now();
        s.last_line = s.started;
        if let Some(b) = &s.bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
            b.reset_eta();
        } else if s.plain_every != Duration::MAX {
            eprintln!("sweep: {total} runs, {done} already done");
        }
    }

    fn advance(&self, done: usize) {
        let Ok(mut s) = self.inner.lock() else { return };
        if let Some(b) = &s.bar {
            b.set_position(done as u64);
            return;
        }
        let now = Instant::now();
        if now.duration_since(s.last_line) >= s.plain_every {
            s.last_line = now;
            let secs = now.duration_since(s.started).as_secs_f64().max(1e-9);
            let rate = (done - s.resumed.min(done)) as f64 / secs;
            let left = s.total.saturating_sub(done) as f64;
            let eta = if rate > 0.0 { left / rate } else { f64::NAN };
            eprintln!(
                "sweep: {done}/{} runs ({:.0}%), {rate:.1} runs/s, ETA {eta:.0} s",
                s.total,
                100.0 * done as f64 / s.total.max(1) as f64
            );
        }
    }

    fn finish(&self) {
        let Ok(s) = self.inner.lock() else { return };
        if let Some(b) = &s.bar {
            b.finish();
        } else if s.plain_every != Duration::MAX {
            let secs = s.started.elapsed().as_secs_f64();
            eprintln!("sweep: {} runs done in {secs:.1} s", s.total);
        }
    }
}
