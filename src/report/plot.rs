//! Plots with plotters, PNG and SVG at 1200x800, text in DejaVu Sans embedded in the
//! binary (no system fonts needed; PNG bytes are the same on every machine).
//!
//! Each function draws one chart to `STEM.png` and `STEM.svg`, both written atomically.

use crate::base::fmt::sig;
use crate::base::stats::MeanCi;
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

mod multiples;
mod pareto;
mod scatter;
pub mod textfit;

pub use multiples::{MAX_LINES_ON_ONE_CHART, lines_or_multiples};
pub use pareto::{ParetoKind, ParetoPoint, pareto};
pub use scatter::{ScatterPanel, scatter_panels, trend, trend_bins};

/// Size of every plot in pixels.
pub const SIZE: (u32, u32) = (1200, 800);

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_ONCE: Once = Once::new();

/// Registers the embedded DejaVu Sans as plotters' `sans-serif` (once per process).
pub fn register_font() {
    FONT_ONCE.call_once(|| {
        // The font is embedded and known to parse; a failure would only lose text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The largest font size, at most `max` pixels and at least 16, at which `title` fits the
/// canvas's width with 20 pixels to spare on each side (measured with the embedded font).
fn title_px(title: &str, max: u32) -> u32 {
    let room = SIZE.0 as f64 - 40.0;
    (16..=max)
        .rev()
        .find(|&px| textfit::width(FONT, title, f64::from(px)) <= room)
        .unwrap_or(16)
}

/// Okabe-Ito colours, distinguishable with colour-blindness.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

/// The viridis colour map at `t` in [0, 1] (linear between 9 reference colours).
pub fn viridis(t: f64) -> RGBColor {
    const V: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (V.len() - 1) as f64;
    let i = (x.floor() as usize).min(V.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (V[i], V[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type R = Result<(), String>;

trait Str<T> {
    fn s(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Str<T> for Result<T, E> {
    fn s(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// A chart that can draw itself on any plotters backend.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R;
}

/// Draws `chart` to `STEM.png` and `STEM.svg`, each written atomically; an error names the
/// plot and what failed (a full disk, a folder that cannot be written).
fn save(stem: &Path, chart: &impl Chart) -> anyhow::Result<()> {
    register_font();
    let name = stem
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let png = stem.with_file_name(format!("{name}.png"));
    let failed = |e: String| anyhow::anyhow!("cannot draw the plot {}: {e}", png.display());
    if let Some(dir) = stem.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| failed(format!("cannot create the folder {}: {e}", dir.display())))?;
    }
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        chart.draw(&root).map_err(failed)?;
        root.present().s().map_err(failed)?;
    }
    let img = image::RgbImage::from_raw(w, h, pixels)
        .ok_or_else(|| failed("the pixel buffer has the wrong size".into()))?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageOutputFormat::Png)
        .map_err(|e| failed(e.to_string()))?;
    super::write_atomic(&png, bytes.get_ref())?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        chart.draw(&root).map_err(failed)?;
        root.present().s().map_err(failed)?;
    }
    super::write_atomic(&stem.with_file_name(format!("{name}.svg")), svg.as_bytes())
}

fn range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = lo.abs().max(1.0) * 0.05;
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.08;
    (
        if include_zero && lo >= 0.0 {
            0.0
        } else {
            lo - pad
        },
        hi + pad,
    )
}

/// An axis tick: [`sig`] without trailing zeros (`12000`, `0.25`, `1.2`); a tick within
/// rounding of 0 (`5.55e-17`, from stepping across 0) is `0`.
fn tick(x: &f64) -> String {
    if x.abs() < 1e-12 {
        return "0".into();
    }
    let s = sig(*x);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Greedy word wrap of `label` into lines of at most `width` characters, breaking at
/// spaces, after hyphens and underscores, and after a dot before a letter (a longer piece
/// gets a line of its own).
fn wrap(label: &str, width: usize) -> Vec<String> {
    // Pieces with the separator that precedes them: "" (line start), " " or "" after '-'.
    let mut pieces: Vec<(&str, String)> = Vec::new();
    for (k, word) in label.split(' ').enumerate() {
        let mut sep = if k == 0 { "" } else { " " };
        let mut rest = word;
        // Break after a hyphen inside a word (not the sign of "-0.5"), an underscore, or a
        // dot before a letter (a dotted key such as "evolver.diagnosis_slope", not "0.05").
        let inner = |r: &str| {
            let b = r.as_bytes();
            r.char_indices()
                .find(|&(i, c)| {
                    i > 0
                        && i + 1 < r.len()
                        && (c == '-' || c == '_' || (c == '.' && b[i + 1].is_ascii_alphabetic()))
                })
                .map(|(i, _)| i)
        };
        while let Some(i) = inner(rest) {
            pieces.push((sep, rest[..=i].to_string()));
            sep = "";
            rest = &rest[i + 1..];
        }
        pieces.push((sep, rest.to_string()));
    }
    let mut lines: Vec<String> = Vec::new();
    for (sep, piece) in pieces {
        match lines.last_mut() {
            Some(l) if l.chars().count() + sep.len() + piece.chars().count() <= width => {
                l.push_str(sep);
                l.push_str(&piece);
            }
            _ => lines.push(piece),
        }
    }
    lines
}

/// Pixels per character of the 20-pixel tick font, roughly (DejaVu Sans averages 0.55 em).
const TICK_CHAR_PX: f64 = 11.0;
/// Pixels between wrapped tick-label lines.
const TICK_LINE_PX: i32 = 24;

/// Draws category labels under (or beside) a chart whose categories sit at 0, 1, 2, ...;
/// labels under the chart are wrapped to `wrap_chars` characters per line, in a font that
/// shrinks (to 12 pixels at the least) until the widest line fits its category's slot.
fn category_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: impl Fn(f64) -> (i32, i32),
    labels: &[String],
    vertical: bool,
    wrap_chars: usize,
) -> R {
    let slot = (SIZE.0 as f64 - 48.0 - 110.0) / labels.len().max(1) as f64 - 4.0;
    let widest = labels
        .iter()
        .flat_map(|l| wrap(l, wrap_chars))
        .map(|line| textfit::width(FONT, &line, 20.0))
        .fold(0.0, f64::max);
    let px_under = if widest <= slot {
        20
    } else {
        ((20.0 * slot / widest).floor() as u32).max(12)
    };
    for (i, l) in labels.iter().enumerate() {
        let (px, py) = at(i as f64);
        if vertical {
            root.draw(&Text::new(
                l.clone(),
                (px - 10, py),
                ("sans-serif", 20)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .s()?;
            continue;
        }
        for (k, line) in wrap(l, wrap_chars).into_iter().enumerate() {
            root.draw(&Text::new(
                line,
                (px, py + 10 + TICK_LINE_PX * k as i32),
                ("sans-serif", px_under)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .s()?;
        }
    }
    Ok(())
}

/// Characters per line that fit `n` categories side by side on a plot.
fn chars_per_slot(n: usize) -> usize {
    let plot_px = SIZE.0 as f64 - 48.0 - 110.0;
    ((plot_px / n.max(1) as f64 - 12.0) / TICK_CHAR_PX)
        .floor()
        .max(4.0) as usize
}

struct Bars<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    labels: &'a [String],
    cis: &'a [MeanCi],
}

impl Chart for Bars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let n = self.cis.len() as i32;
        let (lo, hi) = range(self.cis.iter().flat_map(|c| [c.mean, c.lo, c.hi]), true);
        let width = chars_per_slot(self.labels.len());
        let lines = self
            .labels
            .iter()
            .map(|l| wrap(l, width).len())
            .max()
            .unwrap_or(1) as u32;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", title_px(self.title, 32)))
            .margin(24)
            .x_label_area_size(46 + TICK_LINE_PX as u32 * lines)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), lo..hi)
            .s()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .y_label_formatter(&tick)
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 24))
            .draw()
            .s()?;
        category_ticks(
            root,
            |x| chart.backend_coord(&(x, lo)),
            self.labels,
            false,
            width,
        )?;
        let base = lo.max(0.0).min(hi);
        if lo < 0.0 && hi > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                    BLACK.stroke_width(2),
                ))
                .s()?;
        }
        chart
            .draw_series(
                self.cis
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.mean.is_finite())
                    .map(|(i, c)| {
                        let mut r = Rectangle::new(
                            [(i as f64 - 0.5, base), (i as f64 + 0.5, c.mean)],
                            color(i).mix(0.85).filled(),
                        );
                        r.set_margin(0, 0, 40, 40);
                        r
                    }),
            )
            .s()?;
        // Error bars: a vertical line from lo to hi with caps; drawn in pixels so the caps
        // have a fixed width.
        for (i, c) in self.cis.iter().enumerate() {
            if !(c.lo.is_finite() && c.hi.is_finite()) {
                continue;
            }
            let x = i as f64;
            let (px, plo) = chart.backend_coord(&(x, c.lo));
            let (_, phi) = chart.backend_coord(&(x, c.hi));
            let style = BLACK.stroke_width(2);
            for seg in [
                vec![(px, plo), (px, phi)],
                vec![(px - 14, plo), (px + 14, plo)],
                vec![(px - 14, phi), (px + 14, phi)],
            ] {
                root.draw(&PathElement::new(seg, style)).s()?;
            }
        }
        // Each value above its interval, or below it for a bar that hangs below 0, clear of
        // the error bar's cap.
        for (i, c) in self.cis.iter().enumerate() {
            if !c.mean.is_finite() {
                continue;
            }
            let (at, v, dy) = if c.mean < 0.0 {
                (if c.lo.is_finite() { c.lo } else { c.mean }, VPos::Top, 6)
            } else {
                (
                    if c.hi.is_finite() { c.hi } else { c.mean },
                    VPos::Bottom,
                    -4,
                )
            };
            let (px, py) = chart.backend_coord(&(i as f64, at));
            root.draw(&Text::new(
                sig(c.mean),
                (px, py + dy),
                ("sans-serif", 18)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, v)),
            ))
            .s()?;
        }
        Ok(())
    }
}

/// The outline of a line's confidence band (upper ends left to right, then lower ends back),
/// when at least two points have finite intervals.
fn ci_polygon(pts: &[(f64, MeanCi)]) -> Option<Vec<(f64, f64)>> {
    let band: Vec<(f64, f64, f64)> = pts
        .iter()
        .filter(|(_, m)| m.lo.is_finite() && m.hi.is_finite())
        .map(|(x, m)| (*x, m.lo, m.hi))
        .collect();
    (band.len() >= 2).then(|| {
        band.iter()
            .map(|(x, _, h)| (*x, *h))
            .chain(band.iter().rev().map(|(x, l, _)| (*x, *l)))
            .collect()
    })
}

/// The points of a line's finite means.
fn mean_points(pts: &[(f64, MeanCi)]) -> Vec<(f64, f64)> {
    pts.iter()
        .filter(|(_, m)| m.mean.is_finite())
        .map(|(x, m)| (*x, m.mean))
        .collect()
}

/// The plotting area of a line chart: numbers on both axes.
type LineChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a line's confidence band (opacity `band`) and its mean line (`width` pixels wide) in
/// colour `c`; returns the mean points, for the caller's markers.
fn draw_line_ci<DB: DrawingBackend>(
    chart: &mut LineChart<'_, DB>,
    pts: &[(f64, MeanCi)],
    c: RGBColor,
    band: f64,
    width: u32,
) -> Result<Vec<(f64, f64)>, String> {
    if let Some(poly) = ci_polygon(pts) {
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(band).filled())))
            .s()?;
    }
    let mean = mean_points(pts);
    chart
        .draw_series(LineSeries::new(mean.clone(), c.stroke_width(width)))
        .s()?;
    Ok(mean)
}

/// Bars with 95% error bars: one bar per label (e.g. mean yield per policy).
pub fn bar_ci(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    labels: &[String],
    cis: &[MeanCi],
) -> anyhow::Result<()> {
    save(
        stem,
        &Bars {
            title,
            x_label,
            y_label,
            labels,
            cis,
        },
    )
}

/// A line with its confidence band: label and points `(x, interval)`.
pub type Line = (String, Vec<(f64, MeanCi)>);

/// The x and y ranges of `lines` (y over the means and the interval ends; `y_zero`: the y
/// range includes 0).
fn extent<'a>(
    lines: impl Iterator<Item = &'a Line> + Clone,
    y_zero: bool,
) -> ((f64, f64), (f64, f64)) {
    let x = range(
        lines.clone().flat_map(|(_, p)| p.iter().map(|(x, _)| *x)),
        false,
    );
    let y = range(
        lines.flat_map(|(_, p)| p.iter().flat_map(|(_, c)| [c.mean, c.lo, c.hi])),
        y_zero,
    );
    (x, y)
}

struct Lines<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: &'a [Line],
}

impl Chart for Lines<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let ((x0, x1), (y0, y1)) = extent(self.lines.iter(), false);
        // With several lines the legend gets a panel of its own at the right, so it never
        // hides data.
        let legend_chars = self
            .lines
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let panel = if self.lines.len() > 1 {
            ((legend_chars as f64 * TICK_CHAR_PX) as u32 + 70).min(SIZE.0 / 3)
        } else {
            0
        };
        // The title across the whole width (a wide legend panel would push a title centred
        // on the plot alone off the left edge).
        let (head, body) = root.split_vertically(60);
        head.draw(&Text::new(
            self.title.to_string(),
            (SIZE.0 as i32 / 2, 20),
            ("sans-serif", title_px(self.title, 32))
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .s()?;
        let (area, side) = body.split_horizontally(SIZE.0 - panel);
        let mut chart = ChartBuilder::on(&area)
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
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
        for (i, (label, pts)) in self.lines.iter().enumerate() {
            let c = color(i);
            let mean = draw_line_ci(&mut chart, pts, c, 0.18, 3)?;
            if panel > 0 {
                let y = 40 + 32 * i as i32;
                side.draw(&PathElement::new(vec![(0, y), (28, y)], c.stroke_width(4)))
                    .s()?;
                let chars = ((panel as f64 - 40.0) / TICK_CHAR_PX) as usize;
                let text: String = if label.chars().count() > chars {
                    let mut t: String = label.chars().take(chars.saturating_sub(1)).collect();
                    t.push('…');
                    t
                } else {
                    label.clone()
                };
                side.draw(&Text::new(
                    text,
                    (36, y),
                    ("sans-serif", 20)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .s()?;
            }
            if mean.len() <= 60 {
                chart
                    .draw_series(mean.iter().map(|&p| Circle::new(p, 5, c.filled())))
                    .s()?;
            }
        }
        Ok(())
    }
}

/// Lines of means with shaded 95% bands, one per label (e.g. yield against an axis per
/// policy, or a time series per policy).
pub fn lines_ci(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
) -> anyhow::Result<()> {
    save(
        stem,
        &Lines {
            title,
            x_label,
            y_label,
            lines,
        },
    )
}

/// A time series per policy: [`lines_or_multiples`] with simulated hours on the x axis (a
/// panel per policy past [`MAX_LINES_ON_ONE_CHART`] policies).
pub fn series(stem: &Path, title: &str, y_label: &str, lines: &[Line]) -> anyhow::Result<()> {
    lines_or_multiples(stem, title, "simulated time (hours)", y_label, lines)
}

/// One panel of [`lines_ci_panels`]: a title and its lines.
pub type Panel = (String, Vec<Line>);

struct Panels<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    panels: &'a [Panel],
}

impl Chart for Panels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let ((x0, x1), (y0, y1)) = extent(self.panels.iter().flat_map(|(_, ls)| ls.iter()), true);
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
        // One slot more than panels, for the legend.
        let n = self.panels.len() + 1;
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let areas = body.split_evenly((rows, cols));
        for (k, (name, lines)) in self.panels.iter().enumerate() {
            let Some(area) = areas.get(k) else { break };
            let (row, col) = (k / cols, k % cols);
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 18))
                .margin(6)
                .x_label_area_size(if row + 1 == rows || k + cols >= self.panels.len() {
                    34
                } else {
                    22
                })
                .y_label_area_size(if col == 0 { 64 } else { 48 })
                .build_cartesian_2d(x0..x1, y0..y1)
                .s()?;
            chart
                .configure_mesh()
                .x_labels(3)
                .y_labels(4)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .label_style(("sans-serif", 14))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .s()?;
            for (i, (_, pts)) in lines.iter().enumerate() {
                let c = color(i);
                let mean = draw_line_ci(&mut chart, pts, c, 0.15, 2)?;
                chart
                    .draw_series(mean.iter().map(|&p| Circle::new(p, 3, c.filled())))
                    .s()?;
            }
        }
        // The legend and the axis names in the last slot.
        if let Some(area) = areas.get(self.panels.len()) {
            let labels: Vec<&String> = self
                .panels
                .first()
                .map(|(_, ls)| ls.iter().map(|(l, _)| l).collect())
                .unwrap_or_default();
            for (i, l) in labels.iter().enumerate() {
                let y = 30 + 26 * i as i32;
                area.draw(&PathElement::new(
                    vec![(20, y), (48, y)],
                    color(i).stroke_width(4),
                ))
                .s()?;
                area.draw(&Text::new(
                    l.to_string(),
                    (56, y),
                    ("sans-serif", 17)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .s()?;
            }
            let y = 40 + 26 * labels.len() as i32;
            for (k, t) in [
                format!("x: {}", self.x_label),
                format!("y: {}", self.y_label),
                "bands: 95% CI".to_string(),
            ]
            .into_iter()
            .enumerate()
            {
                area.draw(&Text::new(
                    t,
                    (20, y + 22 * k as i32),
                    ("sans-serif", 15)
                        .into_font()
                        .color(&RGBColor(80, 80, 80))
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .s()?;
            }
        }
        Ok(())
    }
}

/// Small multiples: one panel of [`lines_ci`]-style lines per entry of `panels`, on shared
/// axes, with the legend (taken from the first panel) in a slot of its own (e.g. yield
/// against severity per policy, one panel per perturbation).
pub fn lines_ci_panels(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[Panel],
) -> anyhow::Result<()> {
    save(
        stem,
        &Panels {
            title,
            x_label,
            y_label,
            panels,
        },
    )
}

struct Heat<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    z_label: &'a str,
    x_ticks: &'a [String],
    y_ticks: &'a [String],
    z: &'a [Vec<f64>],
    best: Option<(usize, usize)>,
}

impl Chart for Heat<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let (main, side) = root.split_horizontally(1020);
        let nx = self.x_ticks.len() as i32;
        let ny = self.y_ticks.len() as i32;
        let finite = || self.z.iter().flatten().copied().filter(|v| v.is_finite());
        let zmin = finite().fold(f64::INFINITY, f64::min);
        let zmax = finite().fold(f64::NEG_INFINITY, f64::max);
        let (zmin, zmax) = if zmin.is_finite() {
            if zmax - zmin < 1e-12 {
                (zmin - 0.5, zmax + 0.5)
            } else {
                (zmin, zmax)
            }
        } else {
            (0.0, 1.0)
        };
        // Room for the longest category label on the y axis (at least the usual 110 px).
        let y_chars = self
            .y_ticks
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        let y_area = ((y_chars as f64 * TICK_CHAR_PX) as u32 + 40).clamp(110, 360);
        let mut chart = ChartBuilder::on(&main)
            .caption(self.title, ("sans-serif", title_px(self.title, 30)))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(y_area)
            .build_cartesian_2d(-0.5..(nx as f64 - 0.5), -0.5..(ny as f64 - 0.5))
            .s()?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 24))
            .draw()
            .s()?;
        category_ticks(
            root,
            |x| chart.backend_coord(&(x, -0.5)),
            self.x_ticks,
            false,
            chars_per_slot(self.x_ticks.len()),
        )?;
        category_ticks(
            root,
            |y| chart.backend_coord(&(-0.5, y)),
            self.y_ticks,
            true,
            usize::MAX,
        )?;
        let cells: Vec<(i32, i32, f64)> = self
            .z
            .iter()
            .enumerate()
            .flat_map(|(ix, col)| {
                col.iter()
                    .enumerate()
                    .map(move |(iy, &v)| (ix as i32, iy as i32, v))
            })
            .collect();
        chart
            .draw_series(cells.iter().map(|&(ix, iy, v)| {
                let fill = if v.is_finite() {
                    viridis((v - zmin) / (zmax - zmin))
                } else {
                    RGBColor(200, 200, 200)
                };
                Rectangle::new(
                    [
                        (ix as f64 - 0.5, iy as f64 - 0.5),
                        (ix as f64 + 0.5, iy as f64 + 0.5),
                    ],
                    fill.filled(),
                )
            }))
            .s()?;
        if cells.len() <= 400 {
            let size = if cells.len() <= 100 { 20 } else { 14 };
            chart
                .draw_series(
                    cells
                        .iter()
                        .filter(|c| c.2.is_finite())
                        .map(|&(ix, iy, v)| {
                            let light = (v - zmin) / (zmax - zmin) < 0.6;
                            let col = if light { WHITE } else { BLACK };
                            Text::new(
                                sig(v),
                                (ix as f64, iy as f64),
                                ("sans-serif", size)
                                    .into_font()
                                    .color(&col)
                                    .pos(Pos::new(HPos::Center, VPos::Center)),
                            )
                        }),
                )
                .s()?;
        }
        if let Some((bx, by)) = self.best {
            let (bx, by) = (bx as i32, by as i32);
            let mut r = Rectangle::new(
                [
                    (bx as f64 - 0.5, by as f64 - 0.5),
                    (bx as f64 + 0.5, by as f64 + 0.5),
                ],
                RED.stroke_width(5),
            );
            r.set_margin(2, 2, 2, 2);
            chart.draw_series(std::iter::once(r)).s()?;
            let (px, py) = chart.backend_coord(&(bx as f64 - 0.5, by as f64 + 0.5));
            root.draw(&Text::new(
                "best",
                (px + 10, py + 8),
                ("sans-serif", 20)
                    .into_font()
                    .color(&RED)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .s()?;
        }
        colour_bar(&side, 80, (zmin, zmax), self.z_label)?;
        Ok(())
    }
}

/// A heatmap of `z[ix][iy]` over two axes with labelled ticks, a colour bar and the cell
/// `best` outlined in red (e.g. the allocation map: yield over evolver share x verifier
/// share).
#[allow(clippy::too_many_arguments)]
pub fn heatmap(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    z_label: &str,
    x_ticks: &[String],
    y_ticks: &[String],
    z: &[Vec<f64>],
    best: Option<(usize, usize)>,
) -> anyhow::Result<()> {
    save(
        stem,
        &Heat {
            title,
            x_label,
            y_label,
            z_label,
            x_ticks,
            y_ticks,
            z,
            best,
        },
    )
}

/// One panel of [`heatmap_panels`]: its title (the facet: the values of the categorical
/// axes it holds), `z[ix][iy]`, the best cell, outlined in red, and the cells whose paired
/// 95% CI of the difference from the best includes 0, outlined in orange.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatPanel {
    /// The facet, e.g. `policy.tiers.user = 32B` (empty for a single panel).
    pub title: String,
    /// Values, `z[ix][iy]`; NaN is drawn grey.
    pub z: Vec<Vec<f64>>,
    /// The best cell of the whole figure, when it is in this panel.
    pub best: Option<(usize, usize)>,
    /// Cells not distinguishable from the best (paired CI of the difference includes 0).
    pub near: Vec<(usize, usize)>,
}

struct HeatPanels<'a> {
    title: &'a str,
    legend: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    z_label: &'a str,
    x_ticks: &'a [String],
    y_ticks: &'a [String],
    panels: &'a [HeatPanel],
    z_range: (f64, f64),
}

/// Orange of the cells near the best.
const NEAR: RGBColor = RGBColor(255, 150, 0);

impl Chart for HeatPanels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let (main, side) = root.split_horizontally(1020);
        let (zmin, zmax) = self.z_range;
        let (head, body) = main.split_vertically(84);
        head.draw(&Text::new(
            self.title.to_string(),
            (510, 10),
            ("sans-serif", 28)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .s()?;
        head.draw(&Text::new(
            self.legend.to_string(),
            (510, 50),
            ("sans-serif", 16)
                .into_font()
                .color(&RGBColor(80, 80, 80))
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .s()?;
        let n = self.panels.len().max(1);
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let areas = body.split_evenly((rows, cols));
        let nx = self.x_ticks.len();
        let ny = self.y_ticks.len();
        // Text sizes shrink with the panels.
        let (label_px, tick_px) = if n == 1 { (24, 20) } else { (16, 14) };
        let y_chars = self
            .y_ticks
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        let tick_char = TICK_CHAR_PX * tick_px as f64 / 20.0;
        let y_area = ((y_chars as f64 * tick_char) as u32 + 30).clamp(60, 300);
        for (k, panel) in self.panels.iter().enumerate() {
            let Some(area) = areas.get(k) else { break };
            let mut b = ChartBuilder::on(area);
            b.margin(if n == 1 { 24 } else { 8 })
                .x_label_area_size(if n == 1 { 70 } else { 50 })
                .y_label_area_size(y_area);
            if !panel.title.is_empty() {
                b.caption(&panel.title, ("sans-serif", label_px));
            }
            let mut chart = b
                .build_cartesian_2d(-0.5..(nx as f64 - 0.5), -0.5..(ny as f64 - 0.5))
                .s()?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(0)
                .y_labels(0)
                .x_desc(self.x_label)
                .y_desc(self.y_label)
                .axis_desc_style(("sans-serif", label_px))
                .draw()
                .s()?;
            let slot_px = (area.dim_in_pixel().0 as f64 - y_area as f64) / nx.max(1) as f64;
            let wrap_chars = ((slot_px - 8.0) / tick_char).floor().max(4.0) as usize;
            for (i, l) in self.x_ticks.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, -0.5));
                for (j, line) in wrap(l, wrap_chars).into_iter().enumerate() {
                    root.draw(&Text::new(
                        line,
                        (px, py + 6 + (tick_px + 4) * j as i32),
                        ("sans-serif", tick_px)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Center, VPos::Top)),
                    ))
                    .s()?;
                }
            }
            for (i, l) in self.y_ticks.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(-0.5, i as f64));
                root.draw(&Text::new(
                    l.clone(),
                    (px - 8, py),
                    ("sans-serif", tick_px)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .s()?;
            }
            let cells: Vec<(usize, usize, f64)> = panel
                .z
                .iter()
                .enumerate()
                .flat_map(|(ix, col)| col.iter().enumerate().map(move |(iy, &v)| (ix, iy, v)))
                .collect();
            let t = |v: f64| ((v - zmin) / (zmax - zmin)).clamp(0.0, 1.0);
            let rect = |ix: usize, iy: usize| {
                [
                    (ix as f64 - 0.5, iy as f64 - 0.5),
                    (ix as f64 + 0.5, iy as f64 + 0.5),
                ]
            };
            chart
                .draw_series(cells.iter().map(|&(ix, iy, v)| {
                    let fill = if v.is_finite() {
                        viridis(t(v))
                    } else {
                        RGBColor(200, 200, 200)
                    };
                    Rectangle::new(rect(ix, iy), fill.filled())
                }))
                .s()?;
            let shown = cells.len() * n;
            if shown <= 400 {
                let size = match (shown <= 100, n == 1) {
                    (true, true) => 20,
                    (true, false) => 15,
                    _ => 12,
                };
                chart
                    .draw_series(
                        cells
                            .iter()
                            .filter(|c| c.2.is_finite())
                            .map(|&(ix, iy, v)| {
                                let col = if t(v) < 0.6 { WHITE } else { BLACK };
                                Text::new(
                                    sig(v),
                                    (ix as f64, iy as f64),
                                    ("sans-serif", size)
                                        .into_font()
                                        .color(&col)
                                        .pos(Pos::new(HPos::Center, VPos::Center)),
                                )
                            }),
                    )
                    .s()?;
            }
            for &(ix, iy) in &panel.near {
                let mut r = Rectangle::new(rect(ix, iy), NEAR.stroke_width(3));
                r.set_margin(7, 7, 7, 7);
                chart.draw_series(std::iter::once(r)).s()?;
            }
            if let Some((bx, by)) = panel.best {
                let mut r = Rectangle::new(rect(bx, by), RED.stroke_width(5));
                r.set_margin(2, 2, 2, 2);
                chart.draw_series(std::iter::once(r)).s()?;
            }
        }
        // The colour bar, shared by the panels.
        colour_bar(&side, 100, (zmin, zmax), self.z_label)?;
        Ok(())
    }
}

/// Heatmaps of `z[ix][iy]` over the same two axes, one panel per facet (the values of a
/// sweep's categorical axes, never averaged over), on one colour scale `z_range` (shared
/// with the other figures of the same metric), with the best cell outlined in red and the
/// cells not distinguishable from it in orange.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_panels(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    z_label: &str,
    x_ticks: &[String],
    y_ticks: &[String],
    panels: &[HeatPanel],
    z_range: (f64, f64),
) -> anyhow::Result<()> {
    heatmap_panels_with(
        stem,
        "red: the best cell; orange: cells whose paired 95% CI of the difference from the best includes 0",
        title,
        x_label,
        y_label,
        z_label,
        x_ticks,
        y_ticks,
        panels,
        z_range,
    )
}

/// [`heatmap_panels`] with the `legend` under the title saying what the outlines mean
/// (e.g. which mean, highest or lowest, makes the best cell).
#[allow(clippy::too_many_arguments)]
pub fn heatmap_panels_with(
    stem: &Path,
    legend: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    z_label: &str,
    x_ticks: &[String],
    y_ticks: &[String],
    panels: &[HeatPanel],
    z_range: (f64, f64),
) -> anyhow::Result<()> {
    let (lo, hi) = z_range;
    let z_range = if !(lo.is_finite() && hi.is_finite()) {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    save(
        stem,
        &HeatPanels {
            title,
            legend,
            x_label,
            y_label,
            z_label,
            x_ticks,
            y_ticks,
            panels,
            z_range,
        },
    )
}

/// Points with optional labels: one colour, a label drawn beside each labelled point.
struct Scatter<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    points: &'a [(String, f64, f64)],
    zero: bool,
}

impl Chart for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let (x0, x1) = range(self.points.iter().map(|p| p.1), self.zero);
        let (y0, y1) = range(self.points.iter().map(|p| p.2), self.zero);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", title_px(self.title, 32)))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
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
        let finite: Vec<&(String, f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.1.is_finite() && p.2.is_finite())
            .collect();
        let radius = if finite.len() > 2000 { 2 } else { 5 };
        chart
            .draw_series(
                finite
                    .iter()
                    .map(|p| Circle::new((p.1, p.2), radius, color(0).mix(0.6).filled())),
            )
            .s()?;
        for p in finite.iter().filter(|p| !p.0.is_empty()) {
            chart
                .draw_series(std::iter::once(Text::new(
                    p.0.clone(),
                    (p.1, p.2),
                    ("sans-serif", 18)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .s()?;
        }
        Ok(())
    }
}

/// A scatter plot: `(label, x, y)` per point (an empty label draws none); `zero` puts 0
/// on both axes. Points that are not finite are left out.
pub fn scatter(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(String, f64, f64)],
    zero: bool,
) -> anyhow::Result<()> {
    save(
        stem,
        &Scatter {
            title,
            x_label,
            y_label,
            points,
            zero,
        },
    )
}

/// The range of a metric (`(0, 1)` for a share or a rate), or none: interval ends outside
/// it are drawn at its edge, so a band never claims a share below 0.
pub type Bounds = Option<(f64, f64)>;

/// `v` inside `bounds`.
fn clip(v: f64, bounds: Bounds) -> f64 {
    match bounds {
        Some((lo, hi)) if v.is_finite() => v.clamp(lo, hi),
        _ => v,
    }
}

/// `c` with its interval ends (and mean) inside `bounds`.
pub fn clip_ci(c: &MeanCi, bounds: Bounds) -> MeanCi {
    MeanCi {
        mean: clip(c.mean, bounds),
        lo: clip(c.lo, bounds),
        hi: clip(c.hi, bounds),
        ..*c
    }
}

/// Draws `title` centred across the whole canvas (so a long title is never cut at the left
/// by a narrower plotting area) and, below it, a one-row legend of `labels` when there are
/// several; returns the rest of the canvas.
fn head_and_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[&str],
) -> Result<DrawingArea<DB, Shift>, String> {
    let with_legend = labels.len() > 1;
    let (head, body) = root.split_vertically(if with_legend { 96 } else { 60 });
    let size = title_px(title, 28);
    head.draw(&Text::new(
        title.to_string(),
        (SIZE.0 as i32 / 2, 14),
        ("sans-serif", size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .s()?;
    if with_legend {
        let widths: Vec<i32> = labels
            .iter()
            .map(|l| (l.chars().count() as f64 * TICK_CHAR_PX * 0.9) as i32 + 70)
            .collect();
        let mut x = (SIZE.0 as i32 - widths.iter().sum::<i32>()).max(0) / 2;
        for (i, (l, w)) in labels.iter().zip(&widths).enumerate() {
            let y = 68;
            head.draw(&PathElement::new(
                vec![(x, y), (x + 30, y)],
                color(i).stroke_width(4),
            ))
            .s()?;
            head.draw(&Circle::new((x + 15, y), 6, color(i).filled()))
                .s()?;
            head.draw(&Text::new(
                l.to_string(),
                (x + 40, y),
                ("sans-serif", 19)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .s()?;
            x += w;
        }
    }
    Ok(body)
}

/// One panel of [`points_ci`]: a value per category for each series, on its own y axis.
#[derive(Debug, Clone, PartialEq)]
pub struct PointPanel {
    /// The panel's title (empty for none).
    pub title: String,
    /// Its y axis label, with the unit.
    pub y_label: String,
    /// The series: a label and one interval per category (a NaN mean draws nothing).
    pub series: Vec<(String, Vec<MeanCi>)>,
    /// The metric's range (`Some((0.0, 1.0))` for a rate): intervals are drawn inside it.
    pub bounds: Bounds,
    /// A reference line at 0 (for differences), with each point's value written beside it.
    pub zero_line: bool,
}

struct Points<'a> {
    title: &'a str,
    x_label: &'a str,
    categories: &'a [String],
    panels: &'a [PointPanel],
}

impl Chart for Points<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        // The legend names the series of the first panel that has several.
        let labels: Vec<&str> = self
            .panels
            .iter()
            .map(|p| p.series.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>())
            .max_by_key(|l| l.len())
            .unwrap_or_default();
        let body = head_and_legend(root, self.title, &labels)?;
        let areas = body.split_evenly((1, self.panels.len().max(1)));
        let n = self.categories.len();
        for (panel, area) in self.panels.iter().zip(&areas) {
            let cis: Vec<MeanCi> = panel
                .series
                .iter()
                .flat_map(|(_, v)| v.iter().map(|c| clip_ci(c, panel.bounds)))
                .collect();
            let (y0, y1) = range(
                cis.iter().flat_map(|c| [c.mean, c.lo, c.hi]),
                panel.zero_line,
            );
            let slot = (area.dim_in_pixel().0 as f64 - 150.0) / n.max(1) as f64;
            let width = ((slot - 12.0) / TICK_CHAR_PX).floor().max(4.0) as usize;
            let lines = self
                .categories
                .iter()
                .map(|l| wrap(l, width).len())
                .max()
                .unwrap_or(1) as u32;
            let mut b = ChartBuilder::on(area);
            b.margin(20)
                .margin_right(80)
                .margin_top(if panel.title.is_empty() { 10 } else { 20 })
                .x_label_area_size(46 + TICK_LINE_PX as u32 * lines)
                .y_label_area_size(110);
            if !panel.title.is_empty() {
                b.caption(&panel.title, ("sans-serif", 22));
            }
            let mut chart = b.build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1).s()?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .x_desc(self.x_label)
                .y_desc(panel.y_label.as_str())
                .y_label_formatter(&tick)
                .label_style(("sans-serif", 20))
                .axis_desc_style(("sans-serif", 22))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .s()?;
            category_ticks(
                root,
                |x| chart.backend_coord(&(x, y0)),
                self.categories,
                false,
                width,
            )?;
            if panel.zero_line && y0 < 0.0 && y1 > 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                        RGBColor(90, 90, 90).stroke_width(2),
                    )))
                    .s()?;
            }
            let m = panel.series.len().max(1);
            let step = (0.6 / m as f64).min(0.2);
            for (k, (_, values)) in panel.series.iter().enumerate() {
                let dx = (k as f64 - (m - 1) as f64 / 2.0) * step;
                let c = if m == 1 && labels.len() <= 1 {
                    color(0)
                } else {
                    color(k)
                };
                for (i, v) in values.iter().enumerate() {
                    let v = clip_ci(v, panel.bounds);
                    if !v.mean.is_finite() {
                        continue;
                    }
                    let x = i as f64 + dx;
                    if v.lo.is_finite() && v.hi.is_finite() {
                        let (px, plo) = chart.backend_coord(&(x, v.lo));
                        let (_, phi) = chart.backend_coord(&(x, v.hi));
                        for seg in [
                            vec![(px, plo), (px, phi)],
                            vec![(px - 10, plo), (px + 10, plo)],
                            vec![(px - 10, phi), (px + 10, phi)],
                        ] {
                            root.draw(&PathElement::new(seg, c.stroke_width(3))).s()?;
                        }
                    }
                    let p = chart.backend_coord(&(x, v.mean));
                    root.draw(&Circle::new(p, 7, c.filled())).s()?;
                    if panel.zero_line || m == 1 {
                        root.draw(&Text::new(
                            sig(v.mean),
                            (p.0 + 14, p.1),
                            ("sans-serif", 17)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Left, VPos::Center)),
                        ))
                        .s()?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Points with 95% error bars on a categorical x axis (categories side by side, never
/// joined by lines, as between difficulty bins or model tiers): one panel per entry of
/// `panels`, each with its own y axis; several series sit side by side in each category
/// and are named in a legend under the title.
pub fn points_ci(
    stem: &Path,
    title: &str,
    x_label: &str,
    categories: &[String],
    panels: &[PointPanel],
) -> anyhow::Result<()> {
    save(
        stem,
        &Points {
            title,
            x_label,
            categories,
            panels,
        },
    )
}

/// Paired differences with their 95% intervals, one per label, around a line at 0: a
/// small difference between large values stays visible (a bar chart from 0 would hide
/// it). Each point is labelled with its value.
pub fn difference_ci(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    labels: &[String],
    diffs: &[MeanCi],
) -> anyhow::Result<()> {
    points_ci(
        stem,
        title,
        x_label,
        labels,
        &[PointPanel {
            title: String::new(),
            y_label: y_label.to_string(),
            series: vec![(String::new(), diffs.to_vec())],
            bounds: None,
            zero_line: true,
        }],
    )
}

struct Curves<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: &'a [Line],
    bounds: Bounds,
}

impl Chart for Curves<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R {
        root.fill(&WHITE).s()?;
        let clipped: Vec<Line> = self
            .lines
            .iter()
            .map(|(l, pts)| {
                (
                    l.clone(),
                    pts.iter()
                        .map(|(x, c)| (*x, clip_ci(c, self.bounds)))
                        .collect(),
                )
            })
            .collect();
        let labels: Vec<&str> = clipped.iter().map(|(l, _)| l.as_str()).collect();
        let body = head_and_legend(root, self.title, &labels)?;
        let ((x0, x1), (y0, y1)) = extent(clipped.iter(), false);
        let mut chart = ChartBuilder::on(&body)
            .margin(24)
            .margin_top(10)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, y0..y1)
            .s()?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 22))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .s()?;
        for (i, (_, pts)) in clipped.iter().enumerate() {
            let c = color(i);
            let mean = draw_line_ci(&mut chart, pts, c, 0.22, 3)?;
            if mean.len() <= 60 {
                chart
                    .draw_series(mean.iter().map(|&p| Circle::new(p, 5, c.filled())))
                    .s()?;
            }
        }
        Ok(())
    }
}

/// Lines of means with shaded 95% bands over a numeric x axis, the title across the whole
/// canvas and the legend in a row under it (so neither is cut nor hides data), the bands
/// kept inside the metric's range `bounds`.
pub fn curves_ci(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
    bounds: Bounds,
) -> anyhow::Result<()> {
    save(
        stem,
        &Curves {
            title,
            x_label,
            y_label,
            lines,
            bounds,
        },
    )
}

/// A viridis colour bar for values `zmin..zmax` in `area`, labelled `label` on its right,
/// `top` pixels below the area's top (heatmaps and their panels).
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: u32,
    (zmin, zmax): (f64, f64),
    label: &str,
) -> R {
    let mut bar = ChartBuilder::on(area)
        .margin_top(top)
        .margin_bottom(94)
        .margin_right(10)
        .y_label_area_size(0)
        .right_y_label_area_size(90)
        .build_cartesian_2d(0.0..1.0, zmin..zmax)
        .s()?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 20))
        .draw()
        .s()?;
    let steps = 100;
    bar.draw_series((0..steps).map(|k| {
        let a = zmin + (zmax - zmin) * k as f64 / steps as f64;
        let b = zmin + (zmax - zmin) * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            viridis(k as f64 / steps as f64).filled(),
        )
    }))
    .s()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_wrap_at_spaces_hyphens_underscores_and_key_dots() {
        assert_eq!(
            wrap("static, evolver 0.05", 12),
            ["static,", "evolver 0.05"]
        );
        assert_eq!(wrap("struggle-adaptive", 12), ["struggle-", "adaptive"]);
        assert_eq!(wrap("a-b c", 20), ["a-b c"]);
        assert_eq!(wrap("-0.5", 1), ["-0.5"]);
        assert_eq!(
            wrap("evolver.diagnosis_slope S1", 12),
            ["evolver.", "diagnosis_", "slope S1"]
        );
        assert_eq!(wrap("share 0.05", 4), ["share", "0.05"]);
    }

    #[test]
    fn a_long_title_shrinks_to_the_canvas_and_a_short_one_keeps_its_size() {
        assert_eq!(title_px("Allocation map", 32), 32);
        let long = "$500/day for a week: most tasks solved, spending at most $300: \
                    the incumbent as the search runs";
        let px = title_px(long, 32);
        assert!(px < 32, "{px}");
        assert!(textfit::width(FONT, long, f64::from(px)) <= f64::from(SIZE.0) - 40.0);
        assert!(textfit::width(FONT, long, f64::from(px + 1)) > f64::from(SIZE.0) - 40.0);
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(&12000.0), "12000");
        assert_eq!(tick(&0.25), "0.25");
        assert_eq!(tick(&0.30000000000000004), "0.3");
        assert_eq!(tick(&-0.0), "0");
        assert_eq!(tick(&5.551115123125783e-17), "0");
        assert_eq!(tick(&-2.7755575615628914e-17), "0");
        assert_eq!(tick(&0.0001), "0.0001");
        assert_eq!(sig(12866.333), "12866");
    }
}
