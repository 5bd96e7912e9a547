#!/usr/bin/env bash
# Large inventories: wall-clock medians of `list --all` and `dominfo NAME` for Debian's virsh
# and esxvirt (cold: --no-session-cache; cached: with its session cache), measured side by side
# in one hyperfine run against the same esxsim; request counts from the simulator's counters;
# esxvirt's peak RSS from /usr/bin/time -v. Two inventories:
#   - an ESX host with 1,000 VMs          (esxsim --generate-vms 1000)
#   - a vCenter with 10,000 VMs on 10 hosts (esxsim --vcenter --generate-hosts 10
#     --generate-vms 1000), connected to one host's path as libvirt's vpx:// requires;
#     libvirt lists that host's VMs (1,000), lookups run against the whole vCenter.
# Prints a markdown table on stdout; progress and hyperfine's own output on stderr.
#
# Usage: scripts/bench/large.sh
# Environment: RUNS (hyperfine runs per command, default 5), WARMUP (default 1),
# ESXVIRT_BIN / ESXSIM_BIN (prebuilt binaries; else a release build into $CARGO_TARGET_DIR,
# default ./target), VIRSH (default /usr/bin/virsh), ONLY=esx|vpx (one inventory),
# BENCH_SOURCE (label for the source of prebuilt binaries; default this checkout's HEAD).
# Needs hyperfine, jq, curl and GNU time (apt-get install -y hyperfine jq curl time).
set -euo pipefail

runs=${RUNS:-5}
warmup=${WARMUP:-1}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_tools hyperfine jq curl /usr/bin/time

# The control endpoints take the simulator's user and password (lib.sh's auth.conf).
stats_reset() { curl -skf -u root:password -X POST "$url/esxsim/stats/reset" >/dev/null; }
soap_requests() { curl -skf -u root:password "$url/esxsim/stats" | jq .soap_requests; }

# Requests one command costs: "N" or "N (fails)".
requests() {
    stats_reset
    local rc=0
    "$@" >/dev/null 2>"$work/err" || rc=$?
    local n
    n=$(soap_requests)
    if ((rc != 0)); then
        echo "   fails: $*: $(head -n1 "$work/err")" >&2
        echo "$n (fails)"
    else
        echo "$n"
    fi
}

# Peak resident set size of a command, in MB.
peak_rss() {
    /usr/bin/time -v "$@" 2>"$work/time" >/dev/null || true
    awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time"
}

median_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }

rows=()
bench() { # label uri domain sim-args...
    local label=$1 uri=$2 dom=$3
    shift 3
    echo "== $label: starting esxsim $*" >&2
    start_sim "$@"
    local port=${url##*:}
    uri=${uri//PORT/$port}
    local -a V=("$virsh" -c "$uri") C=("$esxvirt" --no-session-cache -c "$uri") W=("$esxvirt" -c "$uri")

    # Same answer from both tools (libvirt's table, row for row) before timing anything.
    local vl el
    vl=$("${V[@]}" list --all | sort | md5sum)
    el=$("${C[@]}" list --all | sort | md5sum)
    local nrows
    nrows=$("${V[@]}" list --all --name | grep -c .)
    local same="identical"
    [[ $vl == "$el" ]] || same="DIFFERENT"
    echo "   list --all: $nrows domains, outputs $same" >&2

    # Prime the session cache for the cached runs.
    "${W[@]}" hostname >/dev/null

    local cmd
    for cmd in "list --all" "dominfo $dom"; do
        local -a args
        read -r -a args <<<"$cmd"
        local rv rc rw
        rv=$(requests "${V[@]}" "${args[@]}")
        rc=$(requests "${C[@]}" "${args[@]}")
        rw=$(requests "${W[@]}" "${args[@]}")
        # Repeated: the session cache also remembers which VM a name was (one retrieval).
        rw="$rw, then $(requests "${W[@]}" "${args[@]}")"
        local json=$work/$label-${args[0]}.json
        echo "   hyperfine: $cmd" >&2
        hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$json" \
            -n virsh "$(printf '%q ' "${V[@]}" "${args[@]}")" \
            -n cold "$(printf '%q ' "${C[@]}" "${args[@]}")" \
            -n cached "$(printf '%q ' "${W[@]}" "${args[@]}")" >&2
        local mv mc mw
        mv=$(median_ms "$json" virsh)
        mc=$(median_ms "$json" cold)
        mw=$(median_ms "$json" cached)
        local rss
        rss=$(peak_rss "${C[@]}" "${args[@]}")
        rows+=("| $label | \`$cmd\` | $(ms "$mv") | $(ms "$mc") | $(ms "$mw") | **$(ratio "$mv" "$mc")x** | $(ratio "$mv" "$mw")x | $rv | $rc | $rw | $rss |")
    done
    rows+=("| $label | (list --all: $nrows domains; virsh and esxvirt outputs $same) | | | | | | | | | |")
    stop_sim
}

only=${ONLY:-all}
if [[ $only == all || $only == esx ]]; then
    bench "ESX, 1,000 VMs" "esx://root@127.0.0.1:PORT/?no_verify=1" vm-00500 --generate-vms 1000
fi
if [[ $only == all || $only == vpx ]]; then
    bench "vCenter, 10,000 VMs (10 hosts x 1,000)" \
        "vpx://root@127.0.0.1:PORT/dc1/cluster1/esx-001.example.com?no_verify=1" vm-05001 \
        --vcenter --generate-hosts 10 --generate-vms 1000
fi

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), hyperfine --runs $runs --warmup $warmup, esxvirt $(bench_source)."
echo
echo "| inventory | command | virsh median ms | esxvirt cold median ms | esxvirt cached median ms | virsh / cold | virsh / cached | virsh requests | esxvirt cold requests | esxvirt cached requests (first, then repeated) | esxvirt cold peak RSS MB |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
