//! Claims end to end: each check passes on its scenario and fails on its counter-scenarios,
//! and the claim scenarios set the experiment, never the physics.

use std::collections::BTreeMap;
use std::path::Path;
use triad::claims::{self, Effort};
use triad::scenario::physics::{differences, is_mechanism_switch, is_physics, is_task};

/// Whether the shape holds on the claim's scenario, and on each of its counters.
fn reproduced(id: &str) -> (bool, Vec<bool>) {
    let c = claims::select(id).pop().unwrap();
    let on = c
        .check(&claims::scenario_file(id, None), Effort::Quick, 1)
        .unwrap();
    let off = c
        .counters()
        .iter()
        .map(|k| {
            c.check(&claims::scenario_file(id, Some(k.stem)), Effort::Quick, 1)
                .unwrap()
                .holds()
        })
        .collect();
    (on.holds(), off)
}

fn table(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn expected() -> BTreeMap<String, String> {
    claims::verdicts::load(&claims::scenario_file("x", None).with_file_name("expected.toml"))
        .unwrap()
}

#[test]
fn claim_2_holds_and_its_counter_does_not() {
    assert_eq!(reproduced("2"), (true, vec![false]));
}

#[test]
fn claim_9a_holds_and_its_counter_does_not() {
    assert_eq!(reproduced("9a"), (true, vec![false, false]));
}

#[test]
#[ignore = "a minute in release: run with --include-ignored (CI does)"]
fn every_claim_comes_out_with_its_expected_verdict() {
    let expected = expected();
    for c in claims::all() {
        let (on, off) = reproduced(c.id());
        let verdict = if on && off.iter().all(|h| !h) {
            "reproduced"
        } else {
            "not reproduced"
        };
        assert_eq!(
            verdict,
            expected[c.id()],
            "claim {}: shape {on} on its scenario, {off:?} on its counters",
            c.id()
        );
    }
}

#[test]
fn claim_scenarios_set_the_experiment_and_no_physics() {
    for c in claims::all() {
        let file = claims::scenario_file(c.id(), None);
        let physics: Vec<String> = triad::scenario::physics::leaves(&table(&file))
            .into_keys()
            .filter(|k| is_physics(k))
            .collect();
        assert!(
            physics.is_empty(),
            "{} sets physics keys {physics:?}: a claim scenario sets only the experiment",
            file.display()
        );
    }
}

/// A counter switches off one mechanism by one key: a physics key, a property of the tasks
/// the mechanism needs (`workload`, `regime`), or the switch of a compared strategy's
/// mechanism (island migration); never the horizon, budget or what is compared.
#[test]
fn each_counter_changes_one_key_of_the_world() {
    for c in claims::all() {
        let own = table(&claims::scenario_file(c.id(), None));
        for k in c.counters() {
            let file = claims::scenario_file(c.id(), Some(k.stem));
            let diff = differences(&own, &table(&file));
            assert_eq!(
                diff.len(),
                1,
                "{} differs from its claim scenario in {diff:?}: a counter switches off one \
                 mechanism by one key",
                file.display()
            );
            let key = &diff[0];
            assert!(
                is_physics(key) || is_task(key) || is_mechanism_switch(key),
                "{} changes `{key}`: a counter changes the world (physics or the tasks), \
                 not the experiment",
                file.display()
            );
        }
    }
}

#[test]
fn selecting_a_claim_by_number_takes_its_parts() {
    let ids: Vec<&str> = claims::select("1").iter().map(|c| c.id()).collect();
    assert_eq!(ids, vec!["1a", "1b"]);
    assert!(claims::select("10").is_empty());
}

/// Every published figure a claim marks *fitted* is a target of the calibration it names,
/// with the same name, value and paper; no figure it marks *predicted* is a target of any
/// published calibration (same paper, same value). The roles are declared in
/// `src/claims/figures.rs` and the report shows them in separate columns.
#[test]
fn fitted_figures_are_calibration_targets_and_predicted_ones_are_not() {
    use triad::claims::figures::{self, Role};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibrate");
    let mut targets: BTreeMap<String, Vec<(String, f64, String)>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("published_") && name != "published_world.toml") {
            continue;
        }
        let t = table(&path);
        let list = t["target"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["name"].as_str().unwrap().to_string(),
                    x["value"].as_float().unwrap(),
                    x["source"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        targets.insert(name, list);
    }
    assert_eq!(targets.len(), 3, "{:?}", targets.keys());
    let (mut fitted, mut predicted) = (0, 0);
    for c in claims::all() {
        for f in figures::of(c.id()) {
            match f.role {
                Role::Fitted { file, target } => {
                    let list = targets
                        .get(file)
                        .unwrap_or_else(|| panic!("claim {}: no calibration {file}", c.id()));
                    let t = list.iter().find(|t| t.0 == target).unwrap_or_else(|| {
                        panic!("claim {}: {file} has no target {target:?}", c.id())
                    });
                    assert!(
                        (t.1 - f.value).abs() < 1e-12 && t.2.contains(f.paper),
                        "claim {}: {:?} is fitted as {target:?}, whose value {} or source {:?} \
                         differs",
                        c.id(),
                        f.figure,
                        t.1,
                        t.2
                    );
                    fitted += 1;
                }
                Role::Predicted => {
                    for (file, list) in &targets {
                        for t in list {
                            assert!(
                                !(t.2.contains(f.paper) && (t.1 - f.value).abs() < 1e-12),
                                "claim {}: {:?} is marked predicted but {file} fits it ({:?})",
                                c.id(),
                                f.figure,
                                t.0
                            );
                        }
                    }
                    predicted += 1;
                }
            }
        }
    }
    assert!(
        fitted >= 5 && predicted >= 10,
        "{fitted} fitted, {predicted} predicted"
    );
}
