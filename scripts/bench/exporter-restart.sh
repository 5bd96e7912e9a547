#!/usr/bin/env bash
# esxvirt-exporter while its target goes away and comes back: esxsim serving a vCenter of
# HOSTS x VMS VMs, the exporter on it, and RESTARTS times: esxsim killed (SIGKILL, as a crash
# or a lost host would be), the time until the exporter reports `esxvirt_up 0`, esxsim
# started again on the same port, the time until `esxvirt_up 1` with the VMs' series back,
# and the exporter's RSS then. Ends with a check of the exporter's log for panics.
# Prints a markdown table on stdout; progress on stderr.
#
# Usage: scripts/bench/exporter-restart.sh
# Environment: HOSTS (default 40), VMS (per host, default 1000), RESTARTS (default 5),
# INTERVAL (seconds, default 3), DOWN_FOR (seconds esxsim stays away, default 10), and
# bins.sh's EXPORTER_BIN / ESXSIM_BIN / ESXVIRT_BIN / BENCH_SOURCE. Needs curl and python3.
set -euo pipefail

hosts=${HOSTS:-40}
vms=${VMS:-1000}
restarts=${RESTARTS:-5}
interval=${INTERVAL:-3}
down_for=${DOWN_FOR:-10}
BENCH_EXPORTER=1
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_tools curl python3

sim_args=(--http --vcenter --generate-hosts "$hosts" --generate-vms "$vms")
echo "starting esxsim with $((hosts * vms)) VMs" >&2
start_sim "${sim_args[@]}"
port=${url##*:}
target="vpx://127.0.0.1:$port/?transport=http"
start_exporter -c "$target" --interval "$interval"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The target's esxvirt_up and how many VM power-state series the answer has.
probe() {
    curl -sf "http://$addr/metrics" | awk -v up="esxvirt_up{target=\"$target\"}" '
        $1 == up { u = $2 } /^libvirt_domain_info_vstate\{/ { n++ }
        END { printf "%s %d\n", (u == "" ? "-" : u), n }'
}
# Waits until esxvirt_up is $1 (and, for 1, every VM has its series); prints the ms taken.
wait_up() {
    local t0 up n
    t0=$(now_ms)
    while :; do
        read -r up n < <(probe || echo "- 0")
        if [[ $up == "$1" ]] && { [[ $1 == 0 ]] || ((n == hosts * vms)); }; then break; fi
        kill -0 "$exppid" 2>/dev/null || { cat "$work/exporter.err" >&2; exit 1; }
        sleep 0.1
    done
    echo $(($(now_ms) - t0))
}

echo "waiting for the first collection" >&2
wait_up 1 >/dev/null
: >"$work/rows"
echo "baseline $(exporter_rss_mb)" >>"$work/rows"
for i in $(seq "$restarts"); do
    echo "  restart $i of $restarts" >&2
    kill -KILL "$simpid"
    wait "$simpid" 2>/dev/null || true
    simpid=
    down_ms=$(wait_up 0)
    sleep "$down_for"
    rss_down=$(exporter_rss_mb)
    t0=$(now_ms)
    SIM_LISTEN=127.0.0.1:$port start_sim "${sim_args[@]}"
    started_ms=$(($(now_ms) - t0))
    up_ms=$(wait_up 1)
    echo "$i $down_ms $rss_down $started_ms $up_ms $(exporter_rss_mb)" >>"$work/rows"
done
panics=$(grep -c 'panicked' "$work/exporter.err" || true)
alive=$(kill -0 "$exppid" 2>/dev/null && echo yes || echo no)

python3 - "$work/rows" "$((hosts * vms))" "$interval" "$down_for" "$panics" "$alive" \
    "$(bench_source)" <<'PY'
import sys
rows, nvms, interval, down_for, panics, alive, source = sys.argv[1:]
lines = [l.split() for l in open(rows)]
base = float(lines[0][1])
print(f"| esxvirt-exporter ({source}), esxsim vCenter with {int(nvms):,} VMs killed and restarted, interval {interval} s | esxvirt_up 0 after | RSS while down | esxsim start | all series back after | RSS after |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| before the first kill | | | | | {base:.0f} MB |")
for i, down, rss_down, started, up, rss in lines[1:]:
    print(f"| restart {i} (down {down_for} s) | {int(down) / 1000:.2f} s | {float(rss_down):.0f} MB | {int(started) / 1000:.1f} s | {int(up) / 1000:.2f} s | {float(rss):.0f} MB |")
print(f"| exporter still running / panics in its log | {alive} / {panics} | | | | |")
PY
