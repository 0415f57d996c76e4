//! `triad policies`: the built-in policies with their parameters, defaults and meanings.

use crate::policy::REGISTRY;

/// The listing `triad policies` prints: every built-in policy, then one line per parameter
/// with its default (taken from the policy's `Default`, so it cannot drift) and meaning.
pub fn policies_text() -> String {
    let mut out = String::new();
    out.push_str(
        "Built-in policies. Use one in a scenario's [policy] table with `kind = \"NAME\"` and any\n\
         of its keys (the rest keep their defaults), or run `triad run FILE --policy NAME`.\n\
         docs/policies.md explains each one and how to write your own.\n",
    );
    for b in REGISTRY {
        let defaults = b.defaults();
        let params = b.params();
        out.push_str(&format!("\n{}\n  {}\n", b.kind, b.summary));
        let width = params.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, meaning) in params {
            let value = defaults
                .get(key)
                .map_or_else(|| "(unset)".to_string(), inline);
            out.push_str(&format!("    {key:<width$} = {value}\n      {meaning}\n"));
        }
    }
    out
}

/// A TOML value on one line, as it would be written in a scenario.
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        toml::Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// Prints [`policies_text`].
pub fn policies() -> anyhow::Result<()> {
    print!("{}", policies_text());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_kind_with_its_defaults() {
        let t = policies_text();
        for b in REGISTRY {
            assert!(t.contains(&format!("\n{}\n", b.kind)), "{}", b.kind);
        }
        assert!(t.contains("shares") && t.contains("evolver = 0.1"), "{t}");
        assert!(t.contains("mean_samples") && t.contains("= 4.0"), "{t}");
    }
}
