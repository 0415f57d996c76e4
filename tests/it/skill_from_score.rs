//! Tiers given by their MMLU-Pro score: the mapping's defaults are what `triad calibrate`
//! fits on the shipped ladder, the mapping reproduces that ladder within the stated sd, a
//! tier given by score alone runs, and a tier giving both, neither or an impossible score
//! is refused with its location.

use std::path::{Path, PathBuf};
use triad::calibrate::{self, Calibration, Options, Quiet, Z_WARN};
use triad::model::{SkillFromScore, default_ladder};
use triad::scenario::{self, Source};

fn calibrate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibrate")
}

fn skill_calibration() -> Calibration {
    calibrate::load(&calibrate_dir().join("skill_from_score.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ladder_by_score() -> scenario::Scenario {
    scenario::load(&calibrate_dir().join("ladder_by_score.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The shipped defaults are written to two decimals (src/model/tier.rs): half a unit of
/// the last decimal.
const PRINTED: f64 = 0.005;

/// `triad calibrate` on `skill_from_score.toml`, started at the low ends of the ranges
/// (far from the defaults), fits the defaults to their printed precision; so does the
/// least-squares line computed here independently (the mapping is linear in `mid` and
/// `scale` once chance and ceiling are fixed, and every target has the same sd).
#[test]
fn the_shipped_defaults_are_what_calibrate_fits_on_the_ladder() {
    let mut cal = skill_calibration();
    let paths: Vec<&str> = cal.params.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["skill_from_score.mid", "skill_from_score.scale"]);
    for p in &mut cal.params {
        p.default = p.lo;
    }
    let o = calibrate::calibrate(&cal, &Options::default(), &Quiet).unwrap();
    let d = SkillFromScore::default();
    eprintln!(
        "fitted mid {:.4} scale {:.4}, objective {:.3}; defaults {} {}",
        o.x[0], o.x[1], o.objective, d.mid, d.scale
    );
    assert!(
        (o.x[0] - d.mid).abs() <= PRINTED,
        "mid {} vs {}",
        o.x[0],
        d.mid
    );
    assert!(
        (o.x[1] - d.scale).abs() <= PRINTED,
        "scale {} vs {}",
        o.x[1],
        d.scale
    );

    let logit = |s: f64| {
        let p = (s - d.chance) / (d.ceiling - d.chance);
        (p / (1.0 - p)).ln()
    };
    let base = ladder_by_score();
    let xs: Vec<f64> = base
        .world
        .tiers
        .iter()
        .map(|t| logit(t.mmlu_pro.unwrap()))
        .collect();
    let ys: Vec<f64> = cal.targets.iter().map(|t| t.value).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let scale = sxy / sxx;
    let mid = my - scale * mx;
    eprintln!("least squares: mid {mid:.4} scale {scale:.4}");
    assert!((mid - d.mid).abs() <= PRINTED, "least squares mid {mid}");
    assert!(
        (scale - d.scale).abs() <= PRINTED,
        "least squares scale {scale}"
    );
}

/// Every tier of the shipped ladder, given by its score, maps to within 3 sd (the line at
/// which `triad calibrate` warns) of its shipped skill; the base is the shipped ladder
/// (same tiers, prices and speeds), its scores are docs/model.md's, and the calibration's
/// targets are the shipped skills.
#[test]
fn the_mapping_reproduces_the_shipped_ladder_within_the_stated_sd() {
    let cal = skill_calibration();
    let base = ladder_by_score();
    let shipped = default_ladder();
    assert_eq!(base.world.tiers.len(), shipped.len());
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/model.md"))
        .unwrap();
    for ((by_score, ship), target) in base.world.tiers.iter().zip(&shipped).zip(&cal.targets) {
        let same = triad::model::Tier {
            skill: ship.skill,
            mmlu_pro: None,
            ..by_score.clone()
        };
        assert_eq!(
            &same, ship,
            "the base's tier differs from the shipped one beyond its skill"
        );
        assert_eq!(target.metric, format!("tier.{}.skill", ship.name));
        assert_eq!(target.value, ship.skill);
        // docs/model.md's ladder table: `| tier | model | params | prices | tokens/s | MMLU-Pro | skill |`.
        let row: Vec<&str> = docs
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", ship.name)))
            .unwrap_or_else(|| panic!("docs/model.md has no ladder row for {}", ship.name))
            .split('|')
            .map(str::trim)
            .collect();
        assert_eq!(
            row[6].parse::<f64>().unwrap(),
            by_score.mmlu_pro.unwrap(),
            "{row:?}"
        );
        assert_eq!(row[7].parse::<f64>().unwrap(), ship.skill, "{row:?}");

        let z = (by_score.skill - ship.skill) / target.sd;
        eprintln!(
            "{:>8}: MMLU-Pro {:>4} -> skill {:.3}, shipped {:.1}, residual {:+.3}, z {:+.2}",
            ship.name,
            by_score.mmlu_pro.unwrap(),
            by_score.skill,
            ship.skill,
            by_score.skill - ship.skill,
            z
        );
        assert!(z.abs() < Z_WARN, "{}: z = {z}", ship.name);
    }
}

/// The shipped ladder given by score plus a tier between 8B (48.3) and 32B (69.0) given by
/// its score alone, serving as the user tier.
fn with_a_tier_by_score(score: &str) -> String {
    let base = std::fs::read_to_string(calibrate_dir().join("ladder_by_score.toml")).unwrap();
    format!(
        "{base}\n[[tier]]\nname = \"14B\"\nparams_b = 14.0\nprice_in = 0.07\nprice_out = 0.14\n\
         tokens_per_s = 110.0\nmmlu_pro = {score}\n\n[policy]\nkind = \"static\"\n\
         tiers = {{ evolver = \"8B\", user = \"14B\", verifier = \"8B\" }}\n"
    )
    .replace(
        "name = \"ladder-by-score\"",
        "name = \"ladder-by-score\"\nhorizon_hours = 24.0\nbudget = 10.0",
    )
}

#[test]
fn a_tier_given_by_score_alone_runs_and_lands_between_its_neighbours() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("fourteen.toml");
    std::fs::write(&file, with_a_tier_by_score("62.0")).unwrap();
    let sc = scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let skill = |name: &str| {
        sc.world
            .tiers
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .skill
    };
    let (below, own, above) = (skill("8B"), skill("14B"), skill("32B"));
    assert!(
        below < own && own < above,
        "8B {below}, 14B {own}, 32B {above}"
    );

    let out = tmp.path().join("out");
    let o = assert_cmd::Command::cargo_bin("triad")
        .unwrap()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&o.get_output().stdout).into_owned();
    assert!(
        stdout.contains("skills from MMLU-Pro scores: 0.5B"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("14B {} (62)", triad::base::fmt::sig(own))),
        "{stdout}"
    );
    // The 14B tier served the users.
    let run = std::fs::read_to_string(out.join("run.csv")).unwrap();
    let mut lines = run.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |k: &str| {
        row[header.iter().position(|h| *h == k).unwrap()]
            .parse::<f64>()
            .unwrap()
    };
    assert!(
        col("tasks_attempted") > 0.0 && col("spend_tier_14B") > 0.0,
        "{run}"
    );
    // The manifest records the tier as the file gave it: by its score.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let t = &m["scenario"]["tier"][6];
    assert_eq!(t["name"], "14B");
    assert_eq!(t["mmlu_pro"], 62.0);
    assert!(t.get("skill").is_none(), "{t}");
}

/// A scenario written out (as calibrate and the manifests do) reads back to the same
/// scenario: tiers given by score come back by score, and resolve again.
#[test]
fn a_scenario_with_tiers_by_score_reads_back_from_its_table() {
    let src = Source::from_text("s.toml", with_a_tier_by_score("55.5"));
    let sc = scenario::parse(&src).unwrap_or_else(|e| panic!("{e}"));
    let table = toml::Table::try_from(&sc).unwrap();
    assert_eq!(scenario::from_table("s", &table).unwrap(), sc);
    // A mapping set in the table moves every skill given by score, and only those.
    let mut moved = table.clone();
    moved["skill_from_score"]["mid"] = toml::Value::Float(sc.world.skill_from_score.mid + 1.0);
    let again = scenario::from_table("s", &moved).unwrap();
    for (a, b) in sc.world.tiers.iter().zip(&again.world.tiers) {
        assert!(
            (b.skill - a.skill - 1.0).abs() < 1e-12,
            "{}: {} -> {}",
            a.name,
            a.skill,
            b.skill
        );
    }
}

/// `triad validate` on `text`: exit 2 and every line of its stderr.
fn refused(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("t.toml");
    std::fs::write(&file, text).unwrap();
    let o = assert_cmd::Command::cargo_bin("triad")
        .unwrap()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2);
    String::from_utf8_lossy(&o.get_output().stderr).replace(&file.display().to_string(), "t.toml")
}

#[test]
fn both_neither_and_impossible_scores_are_located_errors() {
    let tier = |name: &str, ability: &str| {
        format!(
            "[[tier]]\nname = \"{name}\"\nparams_b = 8.0\nprice_in = 0.05\nprice_out = 0.08\n\
             tokens_per_s = 150.0\n{ability}"
        )
    };
    let policy = "[policy]\nkind = \"static\"\ntiers = { evolver = \"a\", user = \"a\", verifier = \"a\" }\n";
    let text = format!(
        "{}{}{}{}{}{policy}",
        tier("a", "skill = 0.8\n"),
        tier("both", "skill = 0.8\nmmlu_pro = 48.3\n"),
        tier("neither", ""),
        tier("chance", "mmlu_pro = 10.0\n"),
        tier("ceiling", "mmlu_pro = 100\n"),
    );
    let err = refused(&text);
    for want in [
        "t.toml:15:12: tier.1.mmlu_pro: give `skill` or `mmlu_pro`, not both",
        "t.toml:16:1: tier.2: missing `skill` or `mmlu_pro` in tier \"neither\"",
        "t.toml:28:12: tier.3.mmlu_pro: an MMLU-Pro score must lie strictly between chance (10) and the ceiling (100)",
        "t.toml:35:12: tier.4.mmlu_pro: an MMLU-Pro score must lie strictly between",
        "4 problems in 1 of 1 file",
    ] {
        assert!(err.contains(want), "want {want}\ngot:\n{err}");
    }

    // The mapping's own keys: a ceiling the score passes, then a mapping that is no mapping.
    let text = format!(
        "[skill_from_score]\nceiling = 80.0\n{}{policy}",
        tier("a", "mmlu_pro = 85.0\n")
    );
    let err = refused(&text);
    assert!(
        err.contains("t.toml:9:12: tier.0.mmlu_pro: an MMLU-Pro score must lie strictly between chance (10) and the ceiling (80) of [skill_from_score] (got 85)"),
        "{err}"
    );
    let text = format!(
        "[skill_from_score]\nscale = 0.0\nceiling = 5.0\n{}{policy}",
        tier("a", "mmlu_pro = 50.0\n")
    );
    let err = refused(&text);
    assert!(
        err.contains("t.toml:2:9: skill_from_score.scale: must be > 0"),
        "{err}"
    );
    assert!(
        err.contains("t.toml:3:11: skill_from_score.ceiling: must be above chance (10)"),
        "{err}"
    );
    assert!(err.contains("2 problems"), "{err}");
}

#[test]
fn a_target_names_a_tier_skill_or_is_told_the_names() {
    let head = "base = \"ladder_by_score.toml\"\n[[fit]]\npath = \"skill_from_score.mid\"\n\
                range = [0.0, 3.0]\n[[target]]\nname = \"t\"\nvalue = 1.0\nsd = 0.5\n";
    let ok = calibrate::parse(
        &Source::from_text("c.toml", format!("{head}metric = \"tier.0.5B.skill\"\n")),
        &calibrate_dir(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Read without running: the one value is the mapped skill itself.
    let fit = ok.evaluate(&[1.0], 1).unwrap();
    let want = SkillFromScore {
        mid: 1.0,
        ..SkillFromScore::default()
    }
    .skill(15.0)
    .unwrap();
    assert_eq!((fit[0].sim.n, fit[0].sim.mean), (1, want));
    assert!((fit[0].z - (want - 1.0) / 0.5).abs() < 1e-12);

    let e = calibrate::parse(
        &Source::from_text("c.toml", format!("{head}metric = \"tier.9B.skill\"\n")),
        &calibrate_dir(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("c.toml:9:10: unknown metric `tier.9B.skill`"),
        "{e}"
    );
    assert!(
        e.contains("scenario quantities (read without running): tier.0.5B.skill, tier.3B.skill"),
        "{e}"
    );
}
