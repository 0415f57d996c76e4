//! Dotted paths into a complete scenario table (every key present, as
//! `toml::Table::try_from(&scenario)` writes it): looked up, tiers named by name, and
//! unknown paths explained with the keys valid next to them. Shared by the commands that
//! vary scenario keys by path (`triad calibrate`, `triad sensitivity`).

/// The number a value holds (a float, or an integer as a float).
pub fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// The value at dotted `path` (array elements by index).
pub fn lookup<'a>(t: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut cur = t.get(parts.next()?)?;
    for p in parts {
        cur = match cur {
            toml::Value::Table(t) => t.get(p)?,
            toml::Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `tier.NAME.rest` as `tier.INDEX.rest`; other paths as they are.
pub fn by_tier_name(table: &toml::Table, path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix("tier.") else {
        return Ok(path.to_string());
    };
    let tiers = table.get("tier").and_then(|v| v.as_array());
    let names: Vec<&str> = tiers
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    // Tier names may hold dots ("0.5B"): try the longest name that matches.
    let mut best: Option<(usize, &str)> = None;
    for (i, n) in names.iter().enumerate() {
        if rest.starts_with(&format!("{n}.")) && best.is_none_or(|(_, b)| n.len() > b.len()) {
            best = Some((i, n));
        }
    }
    match best {
        Some((i, n)) => Ok(format!("tier.{i}.{}", &rest[n.len() + 1..])),
        None if rest
            .split('.')
            .next()
            .is_some_and(|p| p.parse::<usize>().is_ok()) =>
        {
            Ok(path.to_string())
        }
        None => Err(format!(
            "`{path}`: the base has no tier by that name; its tiers are {}",
            names.join(", ")
        )),
    }
}

/// "unknown path", naming the keys that are valid next to it.
pub fn unknown(table: &toml::Table, path: &str) -> String {
    let (section, _) = path.rsplit_once('.').unwrap_or(("", path));
    let valid: Vec<String> = match lookup(table, section) {
        Some(toml::Value::Table(t)) if !section.is_empty() => t
            .iter()
            .filter(|(_, v)| !v.is_table() && !v.is_array())
            .map(|(k, _)| format!("{section}.{k}"))
            .collect(),
        _ => table
            .iter()
            .map(|(k, v)| match v {
                toml::Value::Table(_) => format!("{k}.*"),
                toml::Value::Array(_) if k == "tier" => "tier.NAME.*".to_string(),
                toml::Value::Array(_) => format!("{k}.N.*"),
                _ => k.clone(),
            })
            .collect(),
    };
    format!(
        "unknown path `{path}`; valid paths here are: {} (scenarios/baseline.toml documents \
         every key)",
        valid.join(", ")
    )
}

/// The metric names a run of `base` reports.
pub fn metric_names(base: &crate::scenario::Scenario) -> Vec<String> {
    let m = crate::model::Metrics {
        by_bin: vec![(0, 0); base.world.workload.difficulty_bins.len() + 1],
        spend_by_tier: vec![0.0; base.world.tiers.len()],
        ..crate::model::Metrics::default()
    };
    let names: Vec<String> = base.world.tiers.iter().map(|t| t.name.clone()).collect();
    m.columns(&names).into_iter().map(|(n, _)| n).collect()
}
