#!/usr/bin/env bash
# Wall time of a 3-parameter, 6-target calibration at 8 replications: the shipped example
# scenarios/calibrate/recovery.toml (fit, profiles and sensitivity), on THREADS threads
# (default 2). Fails when it takes longer than MAX_S seconds (default 120, the goal).
#
#   benches/calibrate.sh [path/to/triad]
set -euo pipefail
cd "$(dirname "$0")/.."
TRIAD="${1:-target/release/triad}"
THREADS="${THREADS:-2}"
MAX_S="${MAX_S:-120}"
OUT="$(mktemp -d)/calibrate-bench"
start=$(date +%s%N)
"$TRIAD" calibrate scenarios/calibrate/recovery.toml --out "$OUT" --threads "$THREADS" --quiet
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
wall="$((ms / 1000)).$(printf %03d $((ms % 1000)))"
evals=$(grep -o '"evaluations": [0-9]*' "$OUT/manifest.json" | grep -o '[0-9]*$')
printf 'calibrate: 3 parameters, 6 targets, 8 replications, %s threads: %s s wall, %s evaluations\n' \
    "$THREADS" "$wall" "$evals"
rm -rf "$(dirname "$OUT")"
[ "$ms" -le $((MAX_S * 1000)) ] || {
    echo "slower than the goal of ${MAX_S} s" >&2
    exit 1
}
