//! Helpers several test modules share.

use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir`, by path relative to it, in path order.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// [`files`] without `manifest.json`, which records times and threads.
pub fn files_but_manifest(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = files(dir);
    out.remove("manifest.json");
    out
}

/// A sweep whose runs take long enough (in a debug build) to be stopped in the middle:
/// 3 x 3 cells x `replications` of eight days of traffic (about 10-15 ms a run in debug).
pub fn slow_sweep(replications: u32) -> String {
    format!(
        r#"
seed = 5
replications = {replications}
[base]
horizon_hours = 192.0
budget = 6.0
[base.workload]
arrival_per_hour = 60.0
[base.policy]
kind = "static"
shares = {{ evolver = 0.1, verifier = 0.05 }}
[[axis]]
path = "policy.shares.evolver"
values = [0.05, 0.1, 0.2]
[[axis]]
path = "workload.arrival_per_hour"
values = [40.0, 60.0, 80.0]
"#
    )
}
