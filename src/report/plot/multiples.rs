//! Small multiples of many lines: one panel per line, drawn in colour with its band over
//! the other lines in grey, so that no line hides another.

use super::{
    Chart, Line, R, SIZE, Str, TICK_CHAR_PX, color, draw_line_ci, extent, mean_points, tick, wrap,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Most lines [`lines_or_multiples`] draws on one chart; more get a panel each.
pub const MAX_LINES_ON_ONE_CHART: usize = 4;

struct Multiples<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: &'a [Line],
}

impl Chart for Multiples<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let ((x0, x1), (y0, y1)) = extent(self.lines.iter(), false);
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
        // One slot more than lines, for the axes' names.
        let n = self.lines.len() + 1;
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let areas = body.split_evenly((rows, cols));
        for (k, (label, pts)) in self.lines.iter().enumerate() {
            let Some(area) = areas.get(k) else { break };
            let mut chart = ChartBuilder::on(area)
                .caption(label, ("sans-serif", 18).into_font().color(&color(k)))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(if k % cols == 0 { 70 } else { 56 })
                .build_cartesian_2d(x0..x1, y0..y1)
                .s()?;
            chart
                .configure_mesh()
                .x_labels(4)
                .y_labels(4)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .label_style(("sans-serif", 14))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .s()?;
            for (j, (_, other)) in self.lines.iter().enumerate() {
                if j != k {
                    chart
                        .draw_series(LineSeries::new(
                            mean_points(other),
                            RGBColor(190, 190, 190).stroke_width(1),
                        ))
                        .s()?;
                }
            }
            let c = color(k);
            let mean = draw_line_ci(&mut chart, pts, c, 0.2, 3)?;
            if mean.len() <= 60 {
                chart
                    .draw_series(mean.iter().map(|&p| Circle::new(p, 3, c.filled())))
                    .s()?;
            }
        }
        if let Some(area) = areas.get(self.lines.len()) {
            notes(
                area,
                40,
                &[
                    format!("x: {}", self.x_label),
                    format!("y: {}", self.y_label),
                    "colour: the panel's line, shaded 95% CI".to_string(),
                    "grey: every other line, for comparison".to_string(),
                ],
            )?;
        }
        Ok(())
    }
}

/// Draws `lines` of grey notes in `area` from `y` down, each wrapped to the area's width
/// (a continued line indented); returns the y below the last.
pub(super) fn notes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: i32,
    lines: &[String],
) -> Result<i32, String> {
    let size = 15;
    let chars = ((area.dim_in_pixel().0 as f64 - 36.0) / (TICK_CHAR_PX * size as f64 / 20.0))
        .floor()
        .max(8.0) as usize;
    let mut y = y;
    for line in lines {
        for (k, part) in wrap(line, chars).into_iter().enumerate() {
            area.draw(&Text::new(
                if k == 0 { part } else { format!("  {part}") },
                (16, y),
                ("sans-serif", size)
                    .into_font()
                    .color(&RGBColor(80, 80, 80))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .s()?;
            y += 21;
        }
    }
    Ok(y)
}

/// Lines of means with shaded 95% bands: on one chart with a legend up to
/// [`MAX_LINES_ON_ONE_CHART`] lines ([`super::lines_ci`]); past that, small multiples,
/// one panel per line on shared axes, the other lines in grey behind it.
pub fn lines_or_multiples(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
) -> anyhow::Result<()> {
    if lines.len() <= MAX_LINES_ON_ONE_CHART {
        return super::lines_ci(stem, title, x_label, y_label, lines);
    }
    super::save(
        stem,
        &Multiples {
            title,
            x_label,
            y_label,
            lines,
        },
    )
}
