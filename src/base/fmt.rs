//! How numbers are written: one format for every CSV, one for every human-readable table;
//! and how user text is shown in messages ([`escape`]).

use std::borrow::Cow;

/// User text as it may be printed in a message: control characters (ESC, carriage return,
/// a newline inside a name ...) are written as escapes (`\u{1b}`, `\r`, `\n`), so a
/// string from a file or a flag can neither move the cursor nor fake a line of output.
/// Text without control characters is returned as is.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] for a message of several lines: each line escaped, the newlines between them
/// kept (tabs too).
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| {
            l.split('\t')
                .map(|p| escape(p).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// A number in a CSV: parsing it back gives the same bits (`3.0`, `0.25`, `1e-9`); NaN is
/// `NaN` and infinities `inf` / `-inf`. Every CSV triad writes uses this format.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:?}")
    }
}

/// [`num`], but an empty field for NaN: an undefined statistic is left empty, never 0.
pub fn opt_num(x: f64) -> String {
    if x.is_nan() { String::new() } else { num(x) }
}

/// A parameter value (an axis value of a sweep) as a CSV field.
pub fn param_str(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) => num(*f),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::String(s) => s.clone(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A number with four significant digits for reading (all integer digits of larger
/// numbers): `0.2500`, `12.35`, `63276`; `0` for zero, `n/a` for NaN. The CSVs keep full
/// precision ([`num`]).
pub fn sig(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return num(x);
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// An estimate with its interval for reading: `12.35 [11.90, 12.80]`; the estimate alone
/// when the interval is undefined, `n/a` when the estimate is.
pub fn estimate(mean: f64, lo: f64, hi: f64) -> String {
    if mean.is_nan() {
        return "n/a".into();
    }
    if lo.is_finite() && hi.is_finite() {
        format!("{} [{}, {}]", sig(mean), sig(lo), sig(hi))
    } else {
        sig(mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_round_trip() {
        for x in [3.0, 0.25, 1e-9, -2.5e300, 0.1 + 0.2, f64::MIN_POSITIVE] {
            assert_eq!(num(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
        assert_eq!(num(3.0), "3.0");
        assert_eq!(opt_num(f64::NAN), "");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("8B"), "8B");
        assert_eq!(escape("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(escape("a\nb\r"), "a\\nb\\r");
        assert_eq!(escape_lines("a\u{7}\nb\tc"), "a\\u{7}\nb\tc");
        assert!(!escape("\u{9b}x").contains('\u{9b}'));
    }

    #[test]
    fn readable_numbers() {
        assert_eq!(sig(0.25), "0.2500");
        assert_eq!(sig(12.345), "12.35");
        assert_eq!(sig(63276.4), "63276");
        assert_eq!(sig(0.0), "0");
        assert_eq!(sig(f64::NAN), "n/a");
        assert_eq!(estimate(1.0, 0.5, 1.5), "1.000 [0.5000, 1.500]");
        assert_eq!(estimate(1.0, f64::NAN, f64::NAN), "1.000");
    }
}
