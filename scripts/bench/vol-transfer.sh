#!/usr/bin/env bash
# Volume transfers: `esxvirt vol-download` / `vol-upload` of a 256 MiB VMDK against esxsim
# (https, loopback), timed with hyperfine beside a baseline in the same run: curl fetching
# the same flat extent from the same /folder URL with the same session. Peak RSS of esxvirt
# from /usr/bin/time -v. Prints a markdown table on stdout; progress on stderr.
#
# Usage: scripts/bench/vol-transfer.sh
# Environment: RUNS (default 5), SIZE_MB (default 256), ESXVIRT_BIN / ESXSIM_BIN (prebuilt
# binaries; else a release build into $CARGO_TARGET_DIR, default ./target), BENCH_SOURCE
# (label for the source of prebuilt binaries; default this checkout's HEAD).
# Needs hyperfine, curl, jq and GNU time.
set -euo pipefail

runs=${RUNS:-5}
size_mb=${SIZE_MB:-256}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_tools hyperfine jq curl /usr/bin/time

mkdir -p "$work/files"
start_sim --files-dir "$work/files"
uri="esx://root@127.0.0.1:${url##*:}/?no_verify=1"
E=("$esxvirt" -c "$uri")

echo "== creating a ${size_mb} MiB disk and a file of random bytes" >&2
"${E[@]}" vol-create-as datastore1 bench/bench.vmdk "${size_mb}M" --format vmdk >/dev/null
head -c "$((size_mb << 20))" /dev/urandom >"$work/data.img"
"${E[@]}" vol-upload --pool datastore1 bench/bench.vmdk "$work/data.img" >/dev/null

# The baseline: the same bytes over the same interface, with the session esxvirt cached.
cookie=$(jq -r '.cookie' "$work"/cache/esxvirt/sessions/*.json | sed -n 's/.*<cookie>\(.*\)<\/cookie>.*/\1/p')
folder="$url/folder/bench/bench-flat.vmdk?dcPath=ha-datacenter&dsName=datastore1"
curl -skf -H "Cookie: $cookie" -o /dev/null "$folder" || {
    echo "vol-transfer.sh: the baseline download failed" >&2
    exit 1
}

echo "== hyperfine" >&2
hyperfine -N --style basic --warmup 1 --runs "$runs" --export-json "$work/h.json" \
    -n curl "curl -skf -H $(printf '%q' "Cookie: $cookie") -o /dev/null $(printf '%q' "$folder")" \
    -n download "$(printf '%q ' "${E[@]}" vol-download --pool datastore1 bench/bench.vmdk "$work/out.img")" \
    -n upload "$(printf '%q ' "${E[@]}" vol-upload --pool datastore1 bench/bench.vmdk "$work/data.img")" >&2
cmp "$work/data.img" "$work/out.img" >&2

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/h.json"; }
rss() {
    /usr/bin/time -v "$@" 2>"$work/time" >/dev/null
    awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time"
}
mc=$(median curl)
md=$(median download)
mu=$(median upload)
rd=$(rss "${E[@]}" vol-download --pool datastore1 bench/bench.vmdk "$work/out.img")
ru=$(rss "${E[@]}" vol-upload --pool datastore1 bench/bench.vmdk "$work/data.img")
mbs() { awk -v s="$1" -v m="$size_mb" 'BEGIN { printf "%.0f", m * 1.048576 / s }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), hyperfine --runs $runs, ${size_mb} MiB, esxvirt $(bench_source)."
echo
echo "| command | median ms | MB/s | peak RSS MB |"
echo "| --- | ---: | ---: | ---: |"
echo "| curl GET of the flat extent (baseline) | $(ms "$mc") | $(mbs "$mc") | |"
echo "| \`esxvirt vol-download\` (connect, lookup, transfer) | $(ms "$md") | $(mbs "$md") | $rd |"
echo "| \`esxvirt vol-upload\` (connect, lookup, transfer) | $(ms "$mu") | $(mbs "$mu") | $ru |"
