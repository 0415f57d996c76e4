#!/usr/bin/env bash
# Sweep scaling figures (release build):
#  1. speed-up from 1 to 2 threads on a 200-run sweep;
#  2. peak RSS of a 100,000-run sweep of a tiny scenario (/usr/bin/time -v);
#  3. per-run overhead of the sweep machinery against bare simulator calls.
# Usage: benches/sweep_scaling.sh   (prints a small table; takes a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
TRIAD=target/release/triad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/s200.toml" <<'TOML'
seed = 3
replications = 10
[base]
arrival = 40.0
service = 12.0
servers = 4
horizon = 5000.0
patience = 1.0
[[axis]]
path = "arrival"
range = { start = 30.0, stop = 48.0, step = 2.0 }
[[policy]]
label = "plain"
[[policy]]
label = "fast"
speedup = 1.2
TOML

wall() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
t1=$(wall "$TRIAD" sweep "$work/s200.toml" --threads 1 --quiet --out "$work/t1")
t2=$(wall "$TRIAD" sweep "$work/s200.toml" --threads 2 --quiet --out "$work/t2")
diff -r --exclude=manifest.json "$work/t1" "$work/t2" >/dev/null && same=yes || same=NO
printf '200 runs: 1 thread %.2f s, 2 threads %.2f s, speed-up %.2fx (outputs identical: %s)\n' \
    "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)" "$same"

cat > "$work/s100k.toml" <<'TOML'
seed = 9
replications = 100
[base]
arrival = 1.0
service = 2.0
servers = 1
horizon = 2.0
[design]
method = "lhs"
n = 1000
[[design.dim]]
path = "arrival"
min = 0.5
max = 1.5
TOML
/usr/bin/time -v "$TRIAD" sweep "$work/s100k.toml" --threads 2 --quiet --out "$work/big" 2> "$work/time.txt"
rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
el=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
printf '100,000 runs (tiny scenario, 2 threads): wall %s, peak RSS %.1f MB, runs.csv %s lines\n' \
    "$el" "$(echo "$rss / 1024" | bc -l)" "$(wc -l < "$work/big/runs.csv")"

cargo test --release --quiet --test it -- --ignored --nocapture sweep_overhead_per_run 2>/dev/null \
    | grep 'bare run' || true
