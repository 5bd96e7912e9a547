# Shared by the benchmark scripts (sourced, not run): the binaries to measure.
#
# After sourcing: $root, $esxvirt, $esxsim, $exporter, $virsh and bench_source. Environment:
# ESXVIRT_BIN / ESXSIM_BIN / EXPORTER_BIN (prebuilt binaries; else a release build into
# $CARGO_TARGET_DIR, default ./target; the exporter only for scripts that set
# BENCH_EXPORTER=1), VIRSH (default /usr/bin/virsh), BENCH_SOURCE (label for prebuilt
# binaries; default this checkout's HEAD).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The source the measured binaries were built from.
bench_source() {
    echo "${BENCH_SOURCE:-$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')}"
}

# One release build of the packages whose binary was not given.
packages=()
[[ -n ${ESXVIRT_BIN:-} ]] || packages+=(-p esxvirt-cli)
[[ -n ${ESXSIM_BIN:-} ]] || packages+=(-p esxvirt-sim)
[[ -n ${EXPORTER_BIN:-} || -z ${BENCH_EXPORTER:-} ]] || packages+=(-p esxvirt-exporter)
if ((${#packages[@]})); then
    (cd "$root" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
        cargo build --release -q "${packages[@]}" --bins)
fi
esxvirt=${ESXVIRT_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxvirt}
esxsim=${ESXSIM_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxsim}
exporter=${EXPORTER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxvirt-exporter}
virsh=${VIRSH:-/usr/bin/virsh}
