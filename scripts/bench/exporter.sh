#!/usr/bin/env bash
# esxvirt-exporter at scale, side by side with the simulator in one run: esxsim serving a
# vCenter of 40 hosts x 1,000 VMs (40,000 VMs) over http, the exporter on it with a short
# interval, and for CYCLES collections:
#   - the first full collection (esxvirt_collection_duration_seconds of collection 1, and
#     the wall time from the exporter's start until it is served);
#   - steady-state collections: median and p95 of esxvirt_collection_duration_seconds;
#   - /metrics answer times while collections run (a scrape every SCRAPE_EVERY seconds);
#   - the exporter's RSS after every collection (first, median, max, last) and its CPU
#     time per collection, the simulator's CPU time per collection beside it;
#   - SOAP requests per steady-state collection by method, from esxsim's /esxsim/stats.
# Prints a markdown table on stdout; progress on stderr.
#
# Usage: scripts/bench/exporter.sh
# Environment: HOSTS (default 40), VMS (per host, default 1000), CYCLES (default 100),
# INTERVAL (seconds, default 3), SCRAPE_EVERY (seconds, default 1), and bins.sh's
# EXPORTER_BIN / ESXSIM_BIN / ESXVIRT_BIN / BENCH_SOURCE. Needs curl, gzip, jq and python3.
set -euo pipefail

hosts=${HOSTS:-40}
vms=${VMS:-1000}
cycles=${CYCLES:-100}
interval=${INTERVAL:-3}
scrape_every=${SCRAPE_EVERY:-1}
BENCH_EXPORTER=1
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_tools curl gzip jq python3

echo "starting esxsim with $((hosts * vms)) VMs" >&2
start_sim --http --vcenter --generate-hosts "$hosts" --generate-vms "$vms"
# The control endpoints may want the simulator's credentials.
sim_stats() { curl -sf -u root:password "$url/esxsim/stats"; }
sim_reset() { curl -sf -u root:password -X POST "$url/esxsim/stats/reset" >/dev/null; }
cpu_seconds() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }

target="vpx://127.0.0.1:${url##*:}/?transport=http"
sim_reset
start_ns=$(date +%s%N)
start_exporter -c "$target" --interval "$interval"

# The value of one of the target's status samples in the last scrape.
status_of() { grep "^$1{target=" "$work/m" | awk '{ print $2 }' | head -n1; }
# As Prometheus scrapes: asking for gzip. The time is the exporter's answer as it comes off
# the wire; decoding 70 MB for the greps below is the client's work and is not counted.
scrape() {
    local t
    t=$(curl -sf -H 'Accept-Encoding: gzip' -o "$work/m.gz" -w '%{time_total}' \
        "http://$addr/metrics") || return 1
    # Decoded whole (an answer that does not decode is a failed scrape); only the status
    # samples, which come first, are kept.
    gzip -dc "$work/m.gz" | grep -E '^esxvirt_[a-z_]+\{target=' >"$work/m" || return 1
    echo "$t"
}

echo "waiting for the first collection" >&2
while :; do
    scrape >/dev/null || true
    n=$(status_of esxvirt_collections_total || true)
    [[ ${n:-0} -ge 1 ]] && break
    kill -0 "$exppid" 2>/dev/null || { cat "$work/exporter.err" >&2; exit 1; }
    sleep 0.05
done
first_wall=$(( ($(date +%s%N) - start_ns) / 1000000 ))
first_duration=$(status_of esxvirt_collection_duration_seconds)
first_requests=$(sim_stats | jq .soap_requests)
first_bytes=$(gzip -dc "$work/m.gz" | wc -c)
first_gz=$(stat -c %s "$work/m.gz")

# Steady state from here on.
sim_reset
exp_cpu0=$(cpu_seconds "$exppid")
sim_cpu0=$(cpu_seconds "$simpid")
last=1
: >"$work/durations" >"$work/rss" >"$work/scrapes"
echo "measuring $cycles collections" >&2
while ((last < cycles + 1)); do
    t=$(scrape || echo fail)
    echo "$t" >>"$work/scrapes"
    n=$(status_of esxvirt_collections_total || echo "$last")
    if [[ -n $n && $n -gt $last ]]; then
        last=$n
        status_of esxvirt_collection_duration_seconds >>"$work/durations"
        exporter_rss_mb >>"$work/rss"
        if ((last % 10 == 0)); then echo "  collection $last" >&2; fi
    fi
    sleep "$scrape_every"
done
steady=$((last - 1))
exp_cpu=$(awk -v a="$(cpu_seconds "$exppid")" -v b="$exp_cpu0" 'BEGIN { print a - b }')
sim_cpu=$(awk -v a="$(cpu_seconds "$simpid")" -v b="$sim_cpu0" 'BEGIN { print a - b }')
sim_stats >"$work/stats.json"
hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$exppid/status")

python3 - "$work" "$steady" "$first_wall" "$first_duration" "$first_requests" \
    "$first_bytes" "$exp_cpu" "$sim_cpu" "$((hosts * vms))" "$interval" "$hwm" "$first_gz" \
    "$(bench_source)" <<'EOF'
import json, statistics, sys
work, steady, first_wall, first_dur, first_req, first_bytes, exp_cpu, sim_cpu, nvms, interval, hwm, first_gz, source = sys.argv[1:]
steady = int(steady)
d = [float(x) for x in open(f"{work}/durations").read().split()]
rss = [float(x) for x in open(f"{work}/rss").read().split()]
sc = [float(x) for x in open(f"{work}/scrapes").read().split() if x != "fail"]
fails = sum(1 for x in open(f"{work}/scrapes").read().split() if x == "fail")
stats = json.load(open(f"{work}/stats.json"))
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
per = {m: n / steady for m, n in sorted(stats["methods"].items())}
tenth = max(1, len(rss) // 10)
print(f"| esxvirt-exporter ({source}), esxsim vCenter with {int(nvms):,} VMs, interval {interval} s | |")
print("| --- | --- |")
print(f"| first full collection (its duration / wall time from start) | {float(first_dur):.2f} s / {int(first_wall) / 1000:.2f} s, {first_req} SOAP requests |")
print(f"| steady-state collection, median (p95) over {steady} | {statistics.median(d):.2f} s ({q(d, .95):.2f} s) |")
print(f"| CPU per steady collection: exporter / esxsim | {float(exp_cpu) / steady:.3f} s / {float(sim_cpu) / steady:.3f} s |")
print(f"| /metrics answer, median (p95, max) of {len(sc)} scrapes, {int(first_bytes) / 1e6:.0f} MB each ({int(first_gz) / 1e6:.1f} MB gzip) | {statistics.median(sc) * 1000:.0f} ms ({q(sc, .95) * 1000:.0f} ms, {max(sc) * 1000:.0f} ms), {fails} failed |")
print(f"| exporter RSS: after collection 2 / median / max / last | {rss[0]:.0f} / {statistics.median(rss):.0f} / {max(rss):.0f} / {rss[-1]:.0f} MB |")
print(f"| exporter peak RSS (VmHWM, the first collection included) | {hwm} MB |")
print(f"| RSS drift: mean of the last {tenth} minus the first {tenth} collections | {statistics.mean(rss[-tenth:]) - statistics.mean(rss[:tenth]):+.1f} MB |")
print(f"| SOAP requests per steady collection | {stats['soap_requests'] / steady:.2f}: " + ", ".join(f"{m} {n:.2f}" for m, n in per.items()) + " |")
EOF
