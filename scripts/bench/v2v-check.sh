#!/usr/bin/env bash
# `esxvirt v2v-check --all-hosts --json` over a 10,000-VM vCenter (esxsim --vcenter
# --generate-hosts 10 --generate-vms 1000): wall-clock median (hyperfine, cold: no session
# cache), SOAP requests per run by method (the simulator's counters), esxvirt's peak RSS
# (GNU time), the JSON's size and the VMs it covers. For comparison in the same run, the
# same figures for `list --all-hosts --all` (the cheapest whole-inventory read), so the
# ratio says what the checks' extra properties (device lists, snapshots) cost.
# Targets (brief): at most 15 s and 300 MB peak RSS.
# Prints a markdown table on stdout; progress and hyperfine's output on stderr.
#
# Usage: scripts/bench/v2v-check.sh
# Environment: RUNS (default 5), WARMUP (default 1), HOSTS (default 10), VMS (per host,
# default 1000), and bins.sh's ESXVIRT_BIN / ESXSIM_BIN / BENCH_SOURCE.
# Needs hyperfine, jq, curl and GNU time (apt-get install -y hyperfine jq curl time).
set -euo pipefail

runs=${RUNS:-5}
warmup=${WARMUP:-1}
hosts=${HOSTS:-10}
vms=${VMS:-1000}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_tools hyperfine jq curl /usr/bin/time

echo "starting esxsim: vCenter, $hosts hosts x $vms VMs" >&2
start_sim --vcenter --generate-hosts "$hosts" --generate-vms "$vms"
port=${url##*:}
uri="vpx://root@127.0.0.1:$port/dc1/cluster1/esx-001.example.com?no_verify=1"

stats_reset() { curl -skf -u root:password -X POST "$url/esxsim/stats/reset" >/dev/null; }
stats() { curl -skf -u root:password "$url/esxsim/stats"; }

check=("$esxvirt" --no-session-cache -c "$uri" --json v2v-check --all-hosts)
list=("$esxvirt" --no-session-cache -c "$uri" list --all-hosts --all)

# Requests and memory of one run each.
stats_reset
"${check[@]}" >"$work/check.json"
check_stats=$(stats)
stats_reset
"${list[@]}" >/dev/null
list_stats=$(stats)
/usr/bin/time -v "${check[@]}" 2>"$work/time-check" >/dev/null
/usr/bin/time -v "${list[@]}" 2>"$work/time-list" >/dev/null
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

hyperfine -N --runs "$runs" --warmup "$warmup" --export-json "$work/hf.json" \
    -n "v2v-check --all-hosts --json" "$(printf '%q ' "${check[@]}")" \
    -n "list --all-hosts --all" "$(printf '%q ' "${list[@]}")" >&2

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/hf.json"; }
t_check=$(median "v2v-check --all-hosts --json")
t_list=$(median "list --all-hosts --all")
methods() { echo "$1" | jq -r '[.methods | to_entries[] | "\(.key) \(.value)"] | join(", ")'; }

vms_seen=$(jq '.vms | length' "$work/check.json")
blocked=$(jq '[.vms[] | select(.verdict == "blocked")] | length' "$work/check.json")
ready=$(jq '[.vms[] | select(.verdict == "ready")] | length' "$work/check.json")
size_mb=$(awk -v b="$(stat -c %s "$work/check.json")" 'BEGIN { printf "%.1f", b / 1048576 }')

echo "Binaries from $(bench_source); $hosts hosts x $vms VMs; $runs runs (median)."
echo
echo "| command | median | requests (by method) | peak RSS |"
echo "| --- | --- | --- | --- |"
printf '| `v2v-check --all-hosts --json` | %.2f s | %s (%s) | %s MB |\n' \
    "$t_check" "$(echo "$check_stats" | jq .soap_requests)" "$(methods "$check_stats")" \
    "$(rss "$work/time-check")"
printf '| `list --all-hosts --all` | %.2f s | %s (%s) | %s MB |\n' \
    "$t_list" "$(echo "$list_stats" | jq .soap_requests)" "$(methods "$list_stats")" \
    "$(rss "$work/time-list")"
echo
printf 'v2v-check / list: %.1fx. The JSON: %s MB, %s VMs (%s ready, %s blocked).\n' \
    "$(echo "$t_check $t_list" | awk '{print $1 / $2}')" "$size_mb" "$vms_seen" "$ready" "$blocked"
