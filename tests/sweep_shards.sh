#!/usr/bin/env bash
# Shards a sweep in a shell loop, merges the shards and checks that the merged folder is
# byte-identical to a one-machine run (manifest.json aside: it records times and threads).
# Usage: tests/sweep_shards.sh [path/to/triad] [shards]
set -euo pipefail
cd "$(dirname "$0")/.."
TRIAD=${1:-target/release/triad}
N=${2:-3}
SWEEP=scenarios/sweeps/allocation.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$TRIAD" sweep "$SWEEP" --out "$work/one" --threads 2 --quiet
shards=()
for k in $(seq 1 "$N"); do
    "$TRIAD" sweep "$SWEEP" --shard "$k/$N" --out "$work/shard-$k" --threads 1 --quiet
    shards+=("$work/shard-$k")
done
"$TRIAD" merge "${shards[@]}" --out "$work/merged" 2>/dev/null
diff -r --exclude=manifest.json "$work/one" "$work/merged"
echo "sweep_shards: $N shards merged byte-identical to one run ($(wc -l < "$work/one/runs.csv") lines in runs.csv)"
