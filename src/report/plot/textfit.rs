//! Whether a plot's text stays on its canvas: the extent of each `<text>` element of the
//! plot's SVG, estimated from the metrics of the font the plots embed (the same glyph
//! advances the PNG is rendered with), against the SVG's width and height.

use ab_glyph::{Font, FontRef};

/// A text element that reaches outside the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct Overflow {
    /// The text.
    pub text: String,
    /// Its estimated box: left, top, right, bottom, in pixels.
    pub bbox: [f64; 4],
    /// The canvas: width, height.
    pub canvas: (f64, f64),
}

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [l, t, r, b] = self.bbox;
        write!(
            f,
            "\"{}\" spans x {l:.0}..{r:.0}, y {t:.0}..{b:.0} on a {}x{} canvas",
            self.text, self.canvas.0, self.canvas.1
        )
    }
}

/// The value of attribute `name` in the start tag `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let rest = &tag[i..];
    Some(&rest[..rest.find('"')?])
}

fn num(tag: &str, name: &str) -> Result<f64, String> {
    attr(tag, name)
        .ok_or_else(|| format!("no {name} in {tag}"))?
        .trim()
        .parse()
        .map_err(|e| format!("{name} in {tag}: {e}"))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The advance width in pixels of `text` set in `font` at `size` pixels per em (0 when the
/// font does not parse).
pub fn width(font: &[u8], text: &str, size: f64) -> f64 {
    FontRef::try_from_slice(font).map_or(0.0, |f| extent(&f, text, size).0)
}

/// Ink box of `text` at `size` pixels per em with its pen at x 0 and baseline 0: the
/// advance width, the font's ascent above and descent below the baseline.
fn extent(font: &FontRef<'_>, text: &str, size: f64) -> (f64, f64, f64) {
    let per_unit = size / font.units_per_em().unwrap_or(2048.0) as f64;
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let g = font.glyph_id(c);
        if let Some(p) = prev {
            width += font.kern_unscaled(p, g) as f64 * per_unit;
        }
        width += font.h_advance_unscaled(g) as f64 * per_unit;
        prev = Some(g);
    }
    (
        width,
        font.ascent_unscaled() as f64 * per_unit,
        -font.descent_unscaled() as f64 * per_unit,
    )
}

/// A length of `dy`: `0.76em`, `-0.5ex` (an ex taken as the font's x height) or pixels.
fn length(dy: &str, size: f64, x_height: f64) -> Result<f64, String> {
    let (v, unit) = if let Some(v) = dy.strip_suffix("em") {
        (v, size)
    } else if let Some(v) = dy.strip_suffix("ex") {
        (v, x_height)
    } else {
        (dy.strip_suffix("px").unwrap_or(dy), 1.0)
    };
    v.trim()
        .parse::<f64>()
        .map(|v| v * unit)
        .map_err(|e| format!("dy=\"{dy}\": {e}"))
}

/// Every text element of `svg` (as plotters writes it: `x`, `y`, `dy`, `text-anchor`,
/// `font-size`, an optional `transform="rotate(a, cx, cy)"`) whose estimated box leaves the
/// canvas by more than half a pixel. `font` is the TTF the text is set in.
pub fn overflows(svg: &str, font: &[u8]) -> Result<Vec<Overflow>, String> {
    let font = FontRef::try_from_slice(font).map_err(|e| e.to_string())?;
    let head = svg
        .find("<svg")
        .map(|i| &svg[i..])
        .and_then(|s| s.find('>').map(|j| &s[..j]))
        .ok_or("no <svg> element")?;
    let canvas = (num(head, "width")?, num(head, "height")?);
    let x_height_em = font
        .outline(font.glyph_id('x'))
        .map_or(0.5, |o| o.bounds.max.y as f64)
        / font.units_per_em().unwrap_or(2048.0) as f64;
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let close = rest.find('>').ok_or("an unclosed <text> tag")?;
        let tag = &rest[..close];
        let end = rest.find("</text>").ok_or("a <text> without </text>")?;
        let text = unescape(rest[close + 1..end].trim());
        rest = &rest[end..];
        if text.is_empty() {
            continue;
        }
        let size = num(tag, "font-size")?;
        let (x, y) = (num(tag, "x")?, num(tag, "y")?);
        let dy = attr(tag, "dy").map_or(Ok(0.0), |d| length(d, size, x_height_em * size))?;
        let (w, up, down) = extent(&font, &text, size);
        let left = match attr(tag, "text-anchor") {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        let base = y + dy;
        let mut corners = [
            (left, base - up),
            (left + w, base - up),
            (left, base + down),
            (left + w, base + down),
        ];
        if let Some(t) = attr(tag, "transform") {
            let args = t
                .strip_prefix("rotate(")
                .and_then(|a| a.strip_suffix(')'))
                .ok_or_else(|| format!("transform=\"{t}\" is not a rotation"))?;
            let v: Vec<f64> = args
                .split(',')
                .map(|a| a.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("transform=\"{t}\": {e}"))?;
            let (a, cx, cy) = match v[..] {
                [a] => (a, 0.0, 0.0),
                [a, cx, cy] => (a, cx, cy),
                _ => return Err(format!("transform=\"{t}\": 1 or 3 numbers expected")),
            };
            let (s, c) = a.to_radians().sin_cos();
            for p in &mut corners {
                let (dx, dy) = (p.0 - cx, p.1 - cy);
                *p = (cx + dx * c - dy * s, cy + dx * s + dy * c);
            }
        }
        let bbox = [
            corners.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
            corners.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
            corners
                .iter()
                .map(|p| p.0)
                .fold(f64::NEG_INFINITY, f64::max),
            corners
                .iter()
                .map(|p| p.1)
                .fold(f64::NEG_INFINITY, f64::max),
        ];
        let tol = 0.5;
        if bbox[0] < -tol || bbox[1] < -tol || bbox[2] > canvas.0 + tol || bbox[3] > canvas.1 + tol
        {
            out.push(Overflow { text, bbox, canvas });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

    fn svg(texts: &str) -> String {
        format!(
            "<svg width=\"200\" height=\"100\" viewBox=\"0 0 200 100\" \
             xmlns=\"http://www.w3.org/2000/svg\">\n{texts}</svg>"
        )
    }

    #[test]
    fn text_past_an_edge_is_found_and_text_inside_is_not() {
        let inside = "<text x=\"100\" y=\"10\" dy=\"0.76em\" text-anchor=\"middle\" \
                      font-family=\"sans-serif\" font-size=\"20\">\nshort\n</text>\n";
        assert_eq!(overflows(&svg(inside), FONT).unwrap(), vec![]);
        // 28 characters of 20 px: some 260 px wide, centred on 100.
        let wide = "<text x=\"100\" y=\"10\" dy=\"0.76em\" text-anchor=\"middle\" \
                    font-family=\"sans-serif\" font-size=\"20\">\na title that is far too wide\n</text>\n";
        let o = overflows(&svg(wide), FONT).unwrap();
        assert_eq!(o.len(), 1, "{o:?}");
        assert!(o[0].bbox[0] < 0.0 && o[0].bbox[2] > 200.0, "{}", o[0]);
        // Right-anchored at 10: runs off the left edge.
        let left = "<text x=\"10\" y=\"50\" text-anchor=\"end\" font-size=\"12\">&lt;a&gt;</text>";
        let o = overflows(&svg(left), FONT).unwrap();
        assert_eq!(o[0].text, "<a>");
        // A y-axis name rotated about its anchor near the left edge: its height, not its
        // width, is what lies across x.
        let flat = "<text x=\"20\" y=\"50\" dy=\"0.76em\" text-anchor=\"middle\" \
                    font-size=\"10\">\na y axis name\n</text>";
        assert_eq!(overflows(&svg(flat), FONT).unwrap().len(), 1);
        let turned = flat.replace(">\na y", " transform=\"rotate(270, 20, 50)\">\na y");
        assert_eq!(overflows(&svg(&turned), FONT).unwrap(), vec![]);
        let low = "<text x=\"100\" y=\"95\" dy=\"0.76em\" font-size=\"16\">g</text>";
        assert_eq!(overflows(&svg(low), FONT).unwrap().len(), 1);
    }
}
