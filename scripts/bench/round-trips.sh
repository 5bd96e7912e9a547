#!/usr/bin/env bash
# Round trips per parity command: Debian's virsh and esxvirt (cold and with the session
# cache) against the same esxsim, counted by the simulator's per-method counters. Prints a
# markdown table (see round_trips.py for what it runs).
#
# Usage: scripts/bench/round-trips.sh [--json OUT] [--only TEXT] [--no-vpx]
# Environment: ESXVIRT_BIN / ESXSIM_BIN use prebuilt binaries instead of building them
# (release build into $CARGO_TARGET_DIR, default ./target); VIRSH (default /usr/bin/virsh);
# BENCH_SOURCE labels the source of prebuilt binaries (default: this checkout's HEAD).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

if [[ -z ${ESXVIRT_BIN:-} || -z ${ESXSIM_BIN:-} ]]; then
    (cd "$root" && CARGO_TARGET_DIR=$target cargo build --release -q -p esxvirt-cli -p esxvirt-sim --bins)
fi
esxvirt=${ESXVIRT_BIN:-$target/release/esxvirt}
esxsim=${ESXSIM_BIN:-$target/release/esxsim}
virsh=${VIRSH:-/usr/bin/virsh}

echo "# round trips: $(date -u '+%Y-%m-%d %H:%M UTC'), esxvirt ${BENCH_SOURCE:-$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')}, $("$virsh" --version 2>/dev/null | sed 's/^/virsh /')" >&2
exec python3 "$root/scripts/bench/round_trips.py" \
    --esxvirt "$esxvirt" --esxsim "$esxsim" --virsh "$virsh" "$@"
