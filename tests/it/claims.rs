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
fn claim_9a_holds_and_its_counter_does_not() {
    assert_eq!(reproduced("9a"), (true, false));
}

#[test]
#[ignore = "a minute in release: run with --include-ignored (CI does)"]
fn every_claim_comes_out_with_its_recorded_verdict() {
    let file = claims::scenario_file("x", false).with_file_name("expected.toml");
    let expected = claims::verdicts::load(&file).unwrap();
    for c in claims::all() {
        let (on, off) = reproduced(c.id());
        let verdict = if on && !off {
            "reproduced"
        } else {
            "not reproduced"
        };
        assert_eq!(
            Some(verdict),
            expected.get(c.id()).map(String::as_str),
            "claim {}: holds on its scenario {on}, on its counter {off}",
            c.id()
        );
    }
}

#[test]
fn selecting_a_claim_by_number_takes_its_parts() {
    let ids: Vec<&str> = claims::select("1").iter().map(|c| c.id()).collect();
    assert_eq!(ids, vec!["1a", "1b"]);
    let ids: Vec<&str> = claims::select("9").iter().map(|c| c.id()).collect();
    assert_eq!(ids, vec!["9a", "9b"]);
    assert!(claims::select("10").is_empty());
}
