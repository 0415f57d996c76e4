#!/usr/bin/env bash
# Sweep scaling figures on the world model (release build):
#  1. speed-up from 1 to 2 threads on a 200-run sweep (a week at 300 tasks per hour);
#  2. peak RSS of a 100,000-run sweep of a tiny scenario (four hours; /usr/bin/time -v);
#  3. per-run overhead of the sweep machinery against bare model::run calls.
# Usage: benches/sweep_scaling.sh   (prints a small table; takes a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
TRIAD=target/release/triad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 200 runs: 10 evolver shares x 2 evolver tiers x 10 replications.
cat > "$work/s200.toml" <<'TOML'
seed = 3
replications = 10
[base]
horizon_hours = 168.0
budget = 30.0
[base.workload]
arrival_per_hour = 300.0
[[axis]]
path = "policy.shares.evolver"
range = { start = 0.0, stop = 0.45, step = 0.05 }
[[policy]]
label = "8B evolves"
kind = "static"
shares = { evolver = 0.1, verifier = 0.05 }
[[policy]]
label = "70B evolves"
kind = "static"
shares = { evolver = 0.1, verifier = 0.05 }
tiers = { evolver = "70B", user = "32B", verifier = "8B" }
TOML

wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
t1=$(wall "$TRIAD" sweep "$work/s200.toml" --threads 1 --quiet --out "$work/t1")
t2=$(wall "$TRIAD" sweep "$work/s200.toml" --threads 2 --quiet --out "$work/t2")
diff -r --exclude=manifest.json "$work/t1" "$work/t2" >/dev/null && same=yes || same=NO
# The report (plots, serial) is the same work for any thread count: time it alone.
tp=$(wall "$TRIAD" plot "$work/t1")
printf '200 runs: 1 thread %.2f s, 2 threads %.2f s, speed-up %.2fx (outputs identical: %s)\n' \
    "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)" "$same"
printf '  of which the plots (serial) %.2f s; the runs alone: speed-up %.2fx\n' \
    "$tp" "$(echo "($t1 - $tp) / ($t2 - $tp)" | bc -l)"

# 100,000 runs: 1000 LHS budgets x 100 replications of four hours at 20 tasks per hour.
cat > "$work/s100k.toml" <<'TOML'
seed = 9
replications = 100
[base]
horizon_hours = 4.0
sample_every_hours = 1.0
budget = 0.5
[base.workload]
arrival_per_hour = 20.0
[design]
method = "lhs"
n = 1000
[[design.dim]]
path = "budget"
min = 0.05
max = 1.0
TOML
/usr/bin/time -v "$TRIAD" sweep "$work/s100k.toml" --threads 2 --quiet --out "$work/big" 2> "$work/time.txt"
rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
el=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
printf '100,000 runs (tiny scenario, 2 threads): wall %s, peak RSS %.1f MB, runs.csv %s lines, timeseries.csv %s lines\n' \
    "$el" "$(echo "$rss / 1024" | bc -l)" "$(wc -l < "$work/big/runs.csv")" "$(wc -l < "$work/big/timeseries.csv")"

cargo test --release --quiet --test it -- --ignored --nocapture sweep_overhead_per_run 2>/dev/null \
    | grep 'bare model::run' || true
