//! A Pareto front of two objectives: the front's points with 95% whiskers on both axes,
//! joined in order; points the final replications could not separate from a dominating
//! point, and clearly dominated ones, in their own colours; every other evaluation in grey.

use super::{Chart, R, Str, color, head_and_legend, range, save, tick};
use crate::base::stats::MeanCi;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// What a point of [`pareto`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParetoKind {
    /// On the front: joined to its neighbours.
    Front,
    /// Dominated on the means, but not clearly (its intervals overlap the dominating point's).
    Indistinguishable,
    /// Clearly dominated, or infeasible, after the re-evaluation.
    Dominated,
}

/// A re-evaluated point of [`pareto`]: its label (a number), its x and y intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    /// Drawn beside the point.
    pub label: String,
    /// The x objective's mean and 95% interval.
    pub x: MeanCi,
    /// The y objective's mean and 95% interval.
    pub y: MeanCi,
    /// Its kind.
    pub kind: ParetoKind,
}

struct Pareto<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    others: &'a [(f64, f64)],
    points: &'a [ParetoPoint],
}

const GREY: RGBColor = RGBColor(175, 175, 175);

fn kind_colour(k: ParetoKind) -> RGBColor {
    match k {
        ParetoKind::Front => color(0),
        ParetoKind::Indistinguishable => color(1),
        ParetoKind::Dominated => color(2),
    }
}

impl Chart for Pareto<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        // The legend's colours go by position, so a kind no point has stays listed, marked.
        let label = |k: ParetoKind, text: &str| {
            if self.points.iter().any(|p| p.kind == k) {
                text.to_string()
            } else {
                format!("{text} (none)")
            }
        };
        let labels = [
            label(ParetoKind::Front, "front (mean, 95% CI)"),
            label(
                ParetoKind::Indistinguishable,
                "indistinguishable from a dominating point",
            ),
            label(ParetoKind::Dominated, "dominated after re-evaluation"),
        ];
        let body = head_and_legend(
            root,
            self.title,
            &labels.iter().map(String::as_str).collect::<Vec<_>>(),
        )?;
        let xs = self
            .others
            .iter()
            .map(|p| p.0)
            .chain(self.points.iter().flat_map(|p| [p.x.mean, p.x.lo, p.x.hi]));
        let ys = self
            .others
            .iter()
            .map(|p| p.1)
            .chain(self.points.iter().flat_map(|p| [p.y.mean, p.y.lo, p.y.hi]));
        let (x0, x1) = range(xs, false);
        let (y0, y1) = range(ys, false);
        let mut chart = ChartBuilder::on(&body)
            .margin(24)
            .margin_right(60)
            .x_label_area_size(70)
            .y_label_area_size(120)
            .build_cartesian_2d(x0..x1, y0..y1)
            .s()?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 24))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .s()?;
        chart
            .draw_series(
                self.others
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|p| Circle::new(*p, 4, GREY.filled())),
            )
            .s()?;
        let mut front: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.kind == ParetoKind::Front && p.x.mean.is_finite() && p.y.mean.is_finite())
            .map(|p| (p.x.mean, p.y.mean))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        chart
            .draw_series(LineSeries::new(front, color(0).stroke_width(3)))
            .s()?;
        for p in self.points {
            if !(p.x.mean.is_finite() && p.y.mean.is_finite()) {
                continue;
            }
            let c = kind_colour(p.kind);
            let style = c.stroke_width(2);
            let (px, py) = chart.backend_coord(&(p.x.mean, p.y.mean));
            if p.y.lo.is_finite() && p.y.hi.is_finite() {
                let (_, lo) = chart.backend_coord(&(p.x.mean, p.y.lo));
                let (_, hi) = chart.backend_coord(&(p.x.mean, p.y.hi));
                for seg in [
                    vec![(px, lo), (px, hi)],
                    vec![(px - 8, lo), (px + 8, lo)],
                    vec![(px - 8, hi), (px + 8, hi)],
                ] {
                    root.draw(&PathElement::new(seg, style)).s()?;
                }
            }
            if p.x.lo.is_finite() && p.x.hi.is_finite() {
                let (lo, _) = chart.backend_coord(&(p.x.lo, p.y.mean));
                let (hi, _) = chart.backend_coord(&(p.x.hi, p.y.mean));
                for seg in [
                    vec![(lo, py), (hi, py)],
                    vec![(lo, py - 8), (lo, py + 8)],
                    vec![(hi, py - 8), (hi, py + 8)],
                ] {
                    root.draw(&PathElement::new(seg, style)).s()?;
                }
            }
            root.draw(&Circle::new((px, py), 7, c.filled())).s()?;
            root.draw(&Text::new(
                p.label.clone(),
                (px + 10, py - 6),
                ("sans-serif", 18)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))
            .s()?;
        }
        Ok(())
    }
}

/// Draws a Pareto front to `STEM.png` and `STEM.svg`: `points` (re-evaluated, with 95%
/// intervals on both axes; the front's joined by a line in x order), and `others` (every
/// other evaluation's means) in grey.
pub fn pareto(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    others: &[(f64, f64)],
    points: &[ParetoPoint],
) -> anyhow::Result<()> {
    save(
        stem,
        &Pareto {
            title,
            x_label,
            y_label,
            others,
            points,
        },
    )
}
