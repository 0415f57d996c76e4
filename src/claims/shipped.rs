//! The claims' shipped scenarios (`scenarios/claims/`), built into the library, so that a
//! check finds its claim's scenario from any working directory and after the source
//! checkout is gone (an installed binary, the Python package).
//!
//! [`super::scenario_file`] uses `scenarios/claims/` of the working directory when there is
//! one (a checkout, where the files can be edited), else [`dir`]: these texts written once
//! per process into a folder of the system's temporary directory named by the library's
//! version and the texts' hash, each file rewritten whenever its bytes are not the built-in
//! ones.

use crate::base::output::write_atomic;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Every file of `scenarios/claims/` as built: (file name, text). A test checks that the
/// folder holds these files and no others.
pub const FILES: &[(&str, &str)] = &[
    (
        "claim1a.toml",
        include_str!("../../scenarios/claims/claim1a.toml"),
    ),
    (
        "claim1a_counter.toml",
        include_str!("../../scenarios/claims/claim1a_counter.toml"),
    ),
    (
        "claim1b.toml",
        include_str!("../../scenarios/claims/claim1b.toml"),
    ),
    (
        "claim1b_counter.toml",
        include_str!("../../scenarios/claims/claim1b_counter.toml"),
    ),
    (
        "claim2.toml",
        include_str!("../../scenarios/claims/claim2.toml"),
    ),
    (
        "claim2_counter.toml",
        include_str!("../../scenarios/claims/claim2_counter.toml"),
    ),
    (
        "claim3.toml",
        include_str!("../../scenarios/claims/claim3.toml"),
    ),
    (
        "claim3_counter_exploit.toml",
        include_str!("../../scenarios/claims/claim3_counter_exploit.toml"),
    ),
    (
        "claim3_counter_narrowing.toml",
        include_str!("../../scenarios/claims/claim3_counter_narrowing.toml"),
    ),
    (
        "claim4.toml",
        include_str!("../../scenarios/claims/claim4.toml"),
    ),
    (
        "claim4_counter_bias.toml",
        include_str!("../../scenarios/claims/claim4_counter_bias.toml"),
    ),
    (
        "claim4_counter_reasoning.toml",
        include_str!("../../scenarios/claims/claim4_counter_reasoning.toml"),
    ),
    (
        "claim5.toml",
        include_str!("../../scenarios/claims/claim5.toml"),
    ),
    (
        "claim5_counter.toml",
        include_str!("../../scenarios/claims/claim5_counter.toml"),
    ),
    (
        "claim5_counter_predictor.toml",
        include_str!("../../scenarios/claims/claim5_counter_predictor.toml"),
    ),
    (
        "claim5_counter_revision.toml",
        include_str!("../../scenarios/claims/claim5_counter_revision.toml"),
    ),
    (
        "claim6.toml",
        include_str!("../../scenarios/claims/claim6.toml"),
    ),
    (
        "claim6_counter.toml",
        include_str!("../../scenarios/claims/claim6_counter.toml"),
    ),
    (
        "claim7.toml",
        include_str!("../../scenarios/claims/claim7.toml"),
    ),
    (
        "claim7_counter_unused.toml",
        include_str!("../../scenarios/claims/claim7_counter_unused.toml"),
    ),
    (
        "claim8.toml",
        include_str!("../../scenarios/claims/claim8.toml"),
    ),
    (
        "claim8_counter.toml",
        include_str!("../../scenarios/claims/claim8_counter.toml"),
    ),
    (
        "claim9a.toml",
        include_str!("../../scenarios/claims/claim9a.toml"),
    ),
    (
        "claim9a_counter.toml",
        include_str!("../../scenarios/claims/claim9a_counter.toml"),
    ),
    (
        "claim9a_counter_blind.toml",
        include_str!("../../scenarios/claims/claim9a_counter_blind.toml"),
    ),
    (
        "claim9b.toml",
        include_str!("../../scenarios/claims/claim9b.toml"),
    ),
    (
        "claim9b_counter.toml",
        include_str!("../../scenarios/claims/claim9b_counter.toml"),
    ),
    (
        "expected.toml",
        include_str!("../../scenarios/claims/expected.toml"),
    ),
    (
        "headline.toml",
        include_str!("../../scenarios/claims/headline.toml"),
    ),
];

/// FNV-1a of every name and text, to name the folder they are written to.
fn fingerprint() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in FILES {
        for b in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The folder holding the built-in files, written on first use; an error says which file
/// could not be written.
pub fn dir() -> Result<PathBuf, String> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "triad-claims-{}-{:016x}",
            env!("CARGO_PKG_VERSION"),
            fingerprint()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, text) in FILES {
            let path = dir.join(name);
            if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
                write_atomic(&path, text.as_bytes()).map_err(|e| format!("{e:#}"))?;
            }
        }
        Ok(dir)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_files_are_the_folder_s_files() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("claims");
        let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let built: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            built, on_disk,
            "list every file of scenarios/claims/ in FILES"
        );
        for (name, text) in FILES {
            assert_eq!(
                std::fs::read_to_string(folder.join(name)).unwrap(),
                *text,
                "{name}"
            );
        }
    }

    #[test]
    fn the_written_folder_holds_the_built_in_bytes() {
        let d = dir().unwrap();
        assert!(d.starts_with(std::env::temp_dir()), "{}", d.display());
        for (name, text) in FILES {
            assert_eq!(
                std::fs::read_to_string(d.join(name)).unwrap(),
                *text,
                "{name}"
            );
        }
    }
}
