# Shared by the benchmark scripts (sourced, not run): the binaries to measure (bins.sh), a
# work directory with an auth.conf both tools read, and one esxsim on a loopback port.
#
# After sourcing: what bins.sh gives ($root, $esxvirt, $esxsim, $virsh, bench_source), $work
# (removed on exit), and the functions below. Environment: as bins.sh.

# shellcheck source=bins.sh
source "$(dirname "${BASH_SOURCE[0]}")/bins.sh"
bench_name=$(basename "$0")

# Fails with a clear line when one of the tools the script needs is missing.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$bench_name: $tool is missing" >&2; exit 1; }
    done
}

work=$(mktemp -d "/tmp/bench-${bench_name%.sh}.XXXXXX")
simpid=
url=

stop_sim() {
    if [[ -n $simpid ]]; then
        kill "$simpid" 2>/dev/null || true
        wait "$simpid" 2>/dev/null || true
        simpid=
    fi
}
exppid=
addr=
trap '[[ -z $exppid ]] || kill "$exppid" 2>/dev/null || true; stop_sim; rm -rf "$work"' EXIT

# Both tools read the password from the same auth.conf; esxvirt's session cache lives in
# the work directory too.
cat >"$work/auth.conf" <<'EOF'
[credentials-bench]
authname=root
password=password

[auth-esx-127.0.0.1]
credentials=bench

[auth-vpx-127.0.0.1]
credentials=bench
EOF
export LIBVIRT_AUTH_FILE=$work/auth.conf HOME=$work XDG_CONFIG_HOME=$work/config \
    XDG_CACHE_HOME=$work/cache XDG_RUNTIME_DIR=$work/run
unset LIBVIRT_DEFAULT_URI ESXVIRT_DEFAULT_URI ESXVIRT_NO_SESSION_CACHE

# Starts esxsim with these arguments on a loopback port (SIM_LISTEN, default any free
# port) and sets $url.
start_sim() {
    "$esxsim" --listen "${SIM_LISTEN:-127.0.0.1:0}" "$@" >"$work/sim.out" 2>"$work/sim.err" &
    simpid=$!
    for _ in $(seq 1200); do
        url=$(head -n1 "$work/sim.out" 2>/dev/null || true)
        [[ $url == http* ]] && return 0
        kill -0 "$simpid" 2>/dev/null || break
        sleep 0.25
    done
    echo "$bench_name: esxsim did not start: $(cat "$work/sim.err")" >&2
    exit 1
}

# Starts esxvirt-exporter with these arguments on a free loopback port, its log in
# $work/exporter.err; sets $exppid and $addr (host:port of its /metrics). Stopped on exit.
start_exporter() {
    "$exporter" --listen 127.0.0.1:0 "$@" >/dev/null 2>"$work/exporter.err" &
    exppid=$!
    addr=
    for _ in $(seq 200); do
        addr=$(grep -o '127.0.0.1:[0-9]*' "$work/exporter.err" | head -n1 || true)
        [[ -n $addr ]] && return 0
        sleep 0.05
    done
    echo "$bench_name: esxvirt-exporter did not start: $(cat "$work/exporter.err")" >&2
    exit 1
}

# The exporter's resident memory in MB.
exporter_rss_mb() { awk '/^VmRSS/ { printf "%.1f\n", $2 / 1024 }' "/proc/$exppid/status"; }
