//! What a run records as it goes: a row of the time series at every sampling instant,
//! the time-average of harness quality, and at the end the run's record.

use super::{Event, World, schedule};
use crate::engine::Scheduler;
use crate::model::ledger::PerRole;
use crate::model::metrics::SERIES_COLUMNS;

/// Tasks resolved since the last row of the time series.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SampleWindow {
    /// Tasks attempted.
    pub(super) attempted: u64,
    /// Of those, tasks failed.
    pub(super) failed: u64,
}

impl World {
    /// Adds the harness quality since its last change to the time-average (call before
    /// the quality or the traffic weights change).
    pub(super) fn track_quality(&mut self, now: f64) {
        let q = self.harness.weighted_quality(&self.mix.weights);
        self.quality_area += q * (now - self.last_quality_change);
        self.last_quality_change = now;
    }

    /// A sampling instant: a row now (unless an epoch at the same instant took it first,
    /// [`World::sample_before_epoch`]), and the next instant scheduled.
    pub(super) fn on_sample(&mut self, s: &mut Scheduler<Event>) {
        let now = s.now().hours();
        if self.series.rows.last().is_none_or(|r| r[0] < now - 1e-9) {
            self.push_sample(now);
        }
        let every = self.cfg.sample_every_hours;
        if now + every <= self.cfg.horizon_hours + 1e-9 {
            schedule(s, every, Event::Sample);
        }
    }

    /// Takes the row of a sampling instant that falls at `now`, the start of an epoch, before
    /// the epoch spends anything: a row at hour `t` covers `[t - every, t)`, and the evolution
    /// round opened at `t` (its whole proposal cost is charged when it opens) belongs to the
    /// next row. Without this, the round's charge landed in the row that ends where the
    /// round starts, one row early, and the last row (no round opens at the horizon) showed
    /// an evolver share of 0.
    pub(super) fn sample_before_epoch(&mut self, now: f64) {
        let every = self.cfg.sample_every_hours;
        let k = (now / every).round();
        if (k * every - now).abs() <= 1e-9 * now.max(1.0)
            && now <= self.cfg.horizon_hours + 1e-9
            && self.series.rows.last().is_none_or(|r| r[0] < now - 1e-9)
        {
            self.push_sample(now);
        }
    }

    /// Appends a row of the time series at `now`.
    fn push_sample(&mut self, now: f64) {
        let m = &self.metrics;
        let spend = self.ledger.spent_by_role();
        let last = self.spend_at_last_sample;
        let since = PerRole {
            evolver: spend.evolver - last.evolver,
            user: spend.user - last.user,
            verifier: spend.verifier - last.verifier,
        };
        let total = since.total();
        // Undefined when nothing was spent or attempted since the last row: NaN, never 0.
        let share = if total > 0.0 {
            since.evolver / total
        } else {
            f64::NAN
        };
        let w = self.sample_window;
        let fail = if w.attempted > 0 {
            w.failed as f64 / w.attempted as f64
        } else {
            f64::NAN
        };
        let row: [f64; SERIES_COLUMNS.len()] = [
            now,
            m.yield_,
            m.tasks_attempted as f64,
            m.tasks_solved as f64,
            spend.evolver,
            spend.user,
            spend.verifier,
            self.harness.weighted_quality(&self.mix.weights),
            fail,
            m.edits_accepted as f64,
            share,
            m.edits_proposed as f64,
            m.edits_distinct as f64,
        ];
        self.series.rows.push(row);
        self.spend_at_last_sample = spend;
        self.sample_window = SampleWindow::default();
    }

    /// The end of the run: the last quality interval, a last row at the horizon if the
    /// series has none there, and the record's end-of-run figures.
    pub(super) fn finish(&mut self, events: u64) {
        let end = self.cfg.horizon_hours;
        self.track_quality(end);
        if self.series.rows.last().is_none_or(|r| r[0] < end - 1e-9) {
            self.push_sample(end);
        }
        let m = &mut self.metrics;
        m.events = events;
        m.spend = self.ledger.spent_by_role();
        m.allocated = self.ledger.allocated();
        m.unspent = self.ledger.unspent();
        m.spend_by_tier = self.ledger.by_tier().to_vec();
        m.quality_final = self.harness.weighted_quality(&self.mix.weights);
        m.quality_mean = if end > 0.0 {
            self.quality_area / end
        } else {
            m.quality_final
        };
        // The evolvers' diversity is only measured by what they proposed.
        m.evolver_zipf_final = match self.evolvers.first() {
            Some(e) if m.edits_proposed > 0 => e.zipf_s,
            _ => f64::NAN,
        };
    }
}
