#!/usr/bin/env bash
# Side-by-side speed of triad's engine and SimPy 4.1.2 on the same M/M/c queue.
#
#   benches/compare.sh                      # N = 1,000,000 customers, M/M/1, rho = 0.8
#   benches/compare.sh --customers 200000   # or: N=200000 benches/compare.sh
#
# Both sides count the same model events (an arrival and a departure per customer) and time
# only their run loop. The Rust example runs RUNS times (default 3) and the median speed is
# kept; SimPy runs once (it takes ~7 s at N = 1,000,000). With MIN_RATIO set, the script
# fails when Rust / SimPy events per second is below it.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-1000000}"
SERVERS="${SERVERS:-1}"
ARRIVAL="${ARRIVAL:-0.8}"
SERVICE="${SERVICE:-1.0}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
MIN_RATIO="${MIN_RATIO:-}"

while [ $# -gt 0 ]; do
    case "$1" in
        --customers) N="${2:?--customers needs a value}"; shift 2 ;;
        --servers) SERVERS="${2:?--servers needs a value}"; shift 2 ;;
        --arrival) ARRIVAL="${2:?--arrival needs a value}"; shift 2 ;;
        --service) SERVICE="${2:?--service needs a value}"; shift 2 ;;
        --seed) SEED="${2:?--seed needs a value}"; shift 2 ;;
        --runs) RUNS="${2:?--runs needs a value}"; shift 2 ;;
        --min-ratio) MIN_RATIO="${2:?--min-ratio needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "Error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

command -v python3 >/dev/null || { echo "Error: python3 is needed to run SimPy" >&2; exit 1; }
if ! python3 -c 'import simpy, sys; sys.exit(simpy.__version__ != "4.1.2")' 2>/dev/null; then
    echo "installing simpy 4.1.2 with pip" >&2
    python3 -m pip install --quiet simpy==4.1.2
fi

ARGS=(--customers "$N" --servers "$SERVERS" --arrival "$ARRIVAL" --service "$SERVICE" --seed "$SEED")

cargo build --release --quiet --example queue
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$RUNS"); do
    cargo run --release --quiet --example queue -- "${ARGS[@]}" > "$tmp/rust.$i.json"
done
python3 benches/queue_simpy.py "${ARGS[@]}" > "$tmp/simpy.json"

python3 - "$tmp" "$RUNS" "$MIN_RATIO" <<'EOF'
import json, pathlib, statistics, sys
tmp, runs, min_ratio = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rust_runs = [json.loads((tmp / f"rust.{i}.json").read_text()) for i in range(1, runs + 1)]
rust_runs.sort(key=lambda d: d["events_per_s"])
rust = rust_runs[len(rust_runs) // 2]
simpy = json.loads((tmp / "simpy.json").read_text())

def f(x, spec):
    return "-" if x is None else format(x, spec)

print(f"M/M/{rust['servers']}: {rust['customers']:,} customers, lambda {rust['arrival']}, "
      f"mu {rust['service']}, rho {rust['rho']:.3f}, seed {rust['seed']}")
print(f"{'':22}{'events':>12}{'wall_s':>10}{'events/s':>14}{'mean_wait':>11}"
      f"{'mean_sys':>10}{'util':>8}")
for name, d in [(f"triad (median of {runs})", rust), (simpy["engine"], simpy)]:
    print(f"{name:22}{d['events']:>12,}{d['wall_s']:>10.3f}{d['events_per_s']:>14,.0f}"
          f"{d['mean_wait']:>11.4f}{d['mean_system_time']:>10.4f}{d['utilization']:>8.4f}")
print(f"{'theory':22}{'':>12}{'':>10}{'':>14}{f(rust['theory_mean_wait'], '.4f'):>11}"
      f"{f(rust['theory_mean_system_time'], '.4f'):>10}{f(rust['theory_utilization'], '.4f'):>8}")
ratio = rust["events_per_s"] / simpy["events_per_s"]
print(f"events/s ratio triad / SimPy: {ratio:.1f}")
if min_ratio and ratio < float(min_ratio):
    print(f"Error: ratio {ratio:.1f} is below MIN_RATIO={min_ratio}", file=sys.stderr)
    sys.exit(1)
EOF
