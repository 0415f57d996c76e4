#!/usr/bin/env bash
# Wall time of a Sobol analysis of 8 parameters at N = 512 on the baseline at a three-day
# horizon (scenarios/sensitivity/struggle_vs_static.toml with n = 512 and one
# replication: 512 x (8 + 2) = 5120 points x 2 policies = 10,240 runs), on 1 and 2
# threads, release build; and that both thread counts write the same indices.
# Too long for criterion's repeated runs: each count is timed once.
# Usage: benches/sensitivity_scaling.sh   (about 6 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
TRIAD=target/release/triad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/^n = .*/n = 512/' -e 's/^replications = .*/replications = 1/' \
    -e 's|^base = "../baseline.toml"|base = "'"$PWD"'/scenarios/baseline.toml"|' \
    scenarios/sensitivity/struggle_vs_static.toml > "$work/n512.toml"
"$TRIAD" validate "$work/n512.toml"
for t in 1 2; do
    TIMEFORMAT="threads $t: %R s wall, %U s user"
    time "$TRIAD" sensitivity "$work/n512.toml" --out "$work/t$t" --threads "$t" --quiet
done
cmp "$work/t1/indices.csv" "$work/t2/indices.csv" && echo "indices.csv: same bytes on 1 and 2 threads"
sed -n '/^## /,/^$/p' "$work/t2/report.md"
cp "$work/t2/indices.csv" "${KEEP_INDICES:-/dev/null}"
