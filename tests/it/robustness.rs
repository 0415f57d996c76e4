//! scratch
use triad::claims::robustness::Space;

#[test]
fn scratch_list_spaces() {
    for c in triad::claims::all() {
        let f = triad::claims::scenario_file(c.id(), None);
        match Space::of(&f) {
            Ok(s) => {
                eprintln!(
                    "claim {}: {} ranges, {} fixed",
                    c.id(),
                    s.ranges.len(),
                    s.fixed.len()
                );
                if c.id() == "6" || c.id() == "9a" {
                    for r in &s.ranges {
                        eprintln!("  {} {} [{}, {}] {}", r.path, r.base, r.lo, r.hi, r.from);
                    }
                    for (p, w) in &s.fixed {
                        eprintln!("  fixed {p}: {w}");
                    }
                }
            }
            Err(e) => eprintln!("claim {}: ERR {e:#}", c.id()),
        }
    }
}
