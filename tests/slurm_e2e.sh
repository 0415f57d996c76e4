#!/usr/bin/env bash
# End-to-end check on a real single-node Slurm: installs slurm-wlm and munge if needed
# (Debian/Ubuntu, as root), starts munged, slurmctld and slurmd, submits
# examples/slurm/sweep.sbatch as a 3-task array with its dependent merge job, waits, and
# compares the merged folder with a one-machine run byte for byte. Stops the daemons it
# started (by PID) on exit. Not part of the default CI: it needs root and apt.
# Usage: tests/slurm_e2e.sh [path/to/triad]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
TRIAD=$(realpath "${1:-target/release/triad}")
SWEEP=scenarios/sweeps/allocation.toml
SHARDS=3

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge && chown munge /run/munge
    [ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create 2>/dev/null || true
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
    sleep 1
    pids+=("$(cat /run/munge/munged.pid)")
fi

conf=/etc/slurm/slurm.conf
if [ ! -f "$conf" ] || ! grep -q '^ClusterName=triad' "$conf"; then
    mkdir -p /etc/slurm
    [ -f "$conf" ] && cp "$conf" "$conf.before-triad"
    cpus=$(nproc)
    cat > "$conf" <<CONF
ClusterName=triad
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
NodeName=localhost CPUs=$cpus RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
fi
mkdir -p /var/spool/slurmctld /var/spool/slurmd
if ! pgrep -x slurmctld >/dev/null; then
    slurmctld
    sleep 2
    pids+=("$(cat /run/slurmctld.pid)")
fi
if ! pgrep -x slurmd >/dev/null; then
    slurmd -N localhost
    sleep 2
    pids+=("$(cat /run/slurmd.pid)")
fi
for _ in $(seq 1 30); do
    sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mixed|alloc' && break
    scontrol update nodename=localhost state=resume 2>/dev/null || true
    sleep 1
done
sinfo

work=$(mktemp -d /tmp/triad-slurm.XXXXXX)
cd "$work"
jid=$(sbatch --parsable --array=1-$SHARDS \
    --export=ALL,SWEEP="$repo/$SWEEP",OUT="$work/out",TRIAD="$TRIAD" \
    "$repo/examples/slurm/sweep.sbatch")
echo "submitted array job $jid"
deadline=$((SECONDS + 600))
while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
    if [ $SECONDS -gt $deadline ]; then echo "timed out waiting for Slurm"; squeue; exit 1; fi
    sleep 2
done
cat slurm-*.out 2>/dev/null | tail -20 || true
[ -f "$work/out/merged/report.md" ] || { echo "no merged report"; ls -R "$work/out"; exit 1; }

"$TRIAD" sweep "$repo/$SWEEP" --out "$work/one" --quiet
diff -r --exclude=manifest.json "$work/one" "$work/out/merged"
echo "slurm_e2e: $SHARDS array tasks + afterok merge on Slurm match a one-machine run byte for byte ($work)"
