//! Claims end to end: each check passes on its scenario and fails on its counter-scenario.
//! The two cheapest run here; `triad reproduce --expect` checks them all in CI.

use triad::claims::{self, Effort};

fn reproduced(id: &str) -> (bool, bool) {
    let c = claims::select(id).pop().unwrap();
    let on = c
        .check(&claims::scenario_file(id, false), Effort::Quick, 1)
        .unwrap();
    let off = c
        .check(&claims::scenario_file(id, true), Effort::Quick, 1)
        .unwrap();
    (on.holds(), off.holds())
}

#[test]
fn claim_2_holds_and_its_counter_does_not() {
    assert_eq!(reproduced("2"), (true, false));
}

#[test]
fn claim_9_holds_and_its_counter_does_not() {
    assert_eq!(reproduced("9"), (true, false));
}

#[test]
#[ignore = "a minute in release: run with --include-ignored (CI does)"]
fn every_claim_holds_and_every_counter_fails() {
    for c in claims::all() {
        assert_eq!(reproduced(c.id()), (true, false), "claim {}", c.id());
    }
}

#[test]
fn selecting_a_claim_by_number_takes_its_parts() {
    let ids: Vec<&str> = claims::select("1").iter().map(|c| c.id()).collect();
    assert_eq!(ids, vec!["1a", "1b"]);
    assert!(claims::select("10").is_empty());
}
