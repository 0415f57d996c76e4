//! Scatter panels with trends: an output of a sampled design against each varied parameter.

use super::{Chart, R, SIZE, Str, color, range, save, tick};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One panel of [`scatter_panels`]: the parameter on its x axis (with its unit) and, per
/// series (policy), the points `(parameter value, output)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPanel {
    /// The x axis: the parameter and its unit.
    pub x_label: String,
    /// Per series, its points.
    pub points: Vec<Vec<(f64, f64)>>,
}

/// Bins of the trend line: about 6 points per bin, 2 to 8 bins.
pub fn trend_bins(n: usize) -> usize {
    (n / 6).clamp(2, 8)
}

/// The trend of `pts`: sorted by x, cut into [`trend_bins`] runs of (nearly) equal count,
/// each run's mean x and mean y. Empty with fewer than 4 finite points.
pub fn trend(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if p.len() < 4 {
        return Vec::new();
    }
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let k = trend_bins(p.len());
    (0..k)
        .map(|b| {
            let part = &p[b * p.len() / k..(b + 1) * p.len() / k];
            let n = part.len() as f64;
            (
                part.iter().map(|q| q.0).sum::<f64>() / n,
                part.iter().map(|q| q.1).sum::<f64>() / n,
            )
        })
        .collect()
}

struct Scatter<'a> {
    title: &'a str,
    y_label: &'a str,
    names: &'a [String],
    panels: &'a [ScatterPanel],
}

impl Chart for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let (head, body) = root.split_vertically(56);
        head.draw(&Text::new(
            self.title.to_string(),
            (SIZE.0 as i32 / 2, 14),
            ("sans-serif", 28)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .s()?;
        let (y0, y1) = range(
            self.panels
                .iter()
                .flat_map(|p| p.points.iter().flatten().map(|q| q.1)),
            false,
        );
        // One slot more than panels, for the legend.
        let n = self.panels.len() + 1;
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let areas = body.split_evenly((rows, cols));
        for (k, panel) in self.panels.iter().enumerate() {
            let Some(area) = areas.get(k) else { break };
            let (x0, x1) = range(panel.points.iter().flatten().map(|q| q.0), false);
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.x_label, ("sans-serif", 18))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(if k % cols == 0 { 70 } else { 56 })
                .build_cartesian_2d(x0..x1, y0..y1)
                .s()?;
            chart
                .configure_mesh()
                .x_labels(4)
                .y_labels(5)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .label_style(("sans-serif", 14))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .s()?;
            for (i, pts) in panel.points.iter().enumerate() {
                let c = color(i);
                chart
                    .draw_series(
                        pts.iter()
                            .filter(|(x, y)| x.is_finite() && y.is_finite())
                            .map(|&p| Circle::new(p, 3, c.mix(0.55).filled())),
                    )
                    .s()?;
            }
            for (i, pts) in panel.points.iter().enumerate() {
                let t = trend(pts);
                if t.len() >= 2 {
                    chart
                        .draw_series(LineSeries::new(t, color(i).stroke_width(3)))
                        .s()?;
                }
            }
        }
        if let Some(area) = areas.get(self.panels.len()) {
            for (i, l) in self.names.iter().enumerate() {
                let y = 30 + 26 * i as i32;
                area.draw(&Circle::new((26, y), 5, color(i).filled())).s()?;
                area.draw(&PathElement::new(
                    vec![(36, y), (60, y)],
                    color(i).stroke_width(3),
                ))
                .s()?;
                area.draw(&Text::new(
                    l.clone(),
                    (68, y),
                    ("sans-serif", 17)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .s()?;
            }
            super::multiples::notes(
                area,
                40 + 26 * self.names.len() as i32,
                &[
                    format!("y: {}", self.y_label),
                    "dots: one per design point (mean over replications)".to_string(),
                    "lines: means of equal-count bins of the parameter".to_string(),
                ],
            )?;
        }
        Ok(())
    }
}

/// An output against each varied parameter, one panel per parameter on a shared y axis:
/// a dot per design point and series (the mean over replications), and per series a trend
/// line through the means of equal-count bins of the parameter ([`trend`]); the legend
/// (`names`, one per series) and the y axis's name in a slot of their own.
pub fn scatter_panels(
    stem: &Path,
    title: &str,
    y_label: &str,
    names: &[String],
    panels: &[ScatterPanel],
) -> anyhow::Result<()> {
    save(
        stem,
        &Scatter {
            title,
            y_label,
            names,
            panels,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_follows_bin_means_in_x_order() {
        // y = x^2 on 12 points in shuffled order: 2 bins of 6.
        let pts: Vec<(f64, f64)> = [5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6]
            .iter()
            .map(|&i| (i as f64, (i * i) as f64))
            .collect();
        let t = trend(&pts);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], (2.5, 55.0 / 6.0), "mean of 0, 1, 4, 9, 16, 25");
        assert_eq!(t[1].0, 8.5);
        assert!(trend(&pts[..3]).is_empty(), "too few points for a trend");
        assert_eq!(trend_bins(64), 8);
        assert_eq!(trend_bins(20), 3);
    }
}
