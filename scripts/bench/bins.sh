# Shared by the benchmark scripts (sourced, not run): the binaries to measure.
#
# After sourcing: $root, $esxvirt, $esxsim, $virsh and bench_source. Environment:
# ESXVIRT_BIN / ESXSIM_BIN (prebuilt binaries; else a release build into $CARGO_TARGET_DIR,
# default ./target), VIRSH (default /usr/bin/virsh), BENCH_SOURCE (label for prebuilt
# binaries; default this checkout's HEAD).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The source the measured binaries were built from.
bench_source() {
    echo "${BENCH_SOURCE:-$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')}"
}

if [[ -z ${ESXVIRT_BIN:-} || -z ${ESXSIM_BIN:-} ]]; then
    (cd "$root" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
        cargo build --release -q -p esxvirt-cli -p esxvirt-sim --bins)
fi
esxvirt=${ESXVIRT_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxvirt}
esxsim=${ESXSIM_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxsim}
virsh=${VIRSH:-/usr/bin/virsh}
