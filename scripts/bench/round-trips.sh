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

# shellcheck source=bins.sh
source "$(dirname "$0")/bins.sh"

echo "# round trips: $(date -u '+%Y-%m-%d %H:%M UTC'), esxvirt $(bench_source), $("$virsh" --version 2>/dev/null | sed 's/^/virsh /')" >&2
exec python3 "$root/scripts/bench/round_trips.py" \
    --esxvirt "$esxvirt" --esxsim "$esxsim" --virsh "$virsh" "$@"
