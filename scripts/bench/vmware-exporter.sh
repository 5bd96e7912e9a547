#!/usr/bin/env bash
# esxvirt-exporter beside the Python vmware_exporter (PyPI vmware-exporter, in a venv under
# target/), both on the same simulated vCenter of 2,000 VMs (esxsim: 2 hosts x 1,000 VMs;
# SIM=vcsim: govmomi's simulator, target/vcsim/vcsim, with 2,000 VMs), in one run: the time a /metrics answer takes (vmware_exporter collects on each scrape;
# esxvirt-exporter answers from its last collection, whose own duration is listed too), the
# SOAP requests behind one answer or collection, CPU time per answer or collection, and peak
# RSS.
#
# vmware_exporter connects to port 443 only, so the simulator serves https on
# 127.0.0.23:443 (a loopback address of its own; the port must be free there).
# vmware_exporter 0.18.4 looks up 37 performance counters by name and fails a scrape
# (HTTP 500, which the table then reports) when one is missing; esxsim and vcsim both have
# them. It also imports requests without declaring it and needs Twisted older than 23.
#
# Usage: scripts/bench/vmware-exporter.sh
# Environment: SIM (esxsim or vcsim, default esxsim), HOSTS (default 2), VMS (per host,
# default 1000), SCRAPES (default 5),
# EXPORTER_BIN / ESXSIM_BIN (prebuilt binaries; else a release build), SIM_ADDR (default
# 127.0.0.23). Needs curl, jq, python3 (with venv) and PyPI access the first time.
set -euo pipefail

sim=${SIM:-esxsim}
hosts=${HOSTS:-2}
vms=${VMS:-1000}
scrapes=${SCRAPES:-5}
sim_addr=${SIM_ADDR:-127.0.0.23}
root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z ${EXPORTER_BIN:-} || -z ${ESXSIM_BIN:-} ]]; then
    (cd "$root" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
        cargo build --release -q -p esxvirt-exporter -p esxvirt-sim --bins)
fi
exporter=${EXPORTER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxvirt-exporter}
esxsim=${ESXSIM_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/esxsim}
venv=$root/target/vmware-exporter-venv
# vmware-exporter 0.18.4 imports requests without declaring it.
if ! "$venv/bin/python" -c 'import vmware_exporter.vmware_exporter' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q vmware-exporter requests 'twisted<23' 
fi

work=$(mktemp -d /tmp/bench-vmware.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_seconds() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
hwm_mb() { awk '/^VmHWM/ { printf "%.0f\n", $2 / 1024 }' "/proc/$1/status"; }

if (exec 3<>"/dev/tcp/$sim_addr/443") 2>/dev/null; then
    echo "vmware-exporter.sh: $sim_addr:443 is taken; set SIM_ADDR" >&2
    exit 1
fi
echo "starting $sim with $((hosts * vms)) VMs on $sim_addr:443" >&2
if [[ $sim == vcsim ]]; then
    user=user password=pass
    "$root/target/vcsim/vcsim" -l "$sim_addr:443" -dc 1 -cluster 1 -host "$hosts" \
        -standalone-host 0 -pool 0 -vm "$((hosts * vms))" >"$work/sim.out" 2>"$work/sim.err" &
    pids+=($!)
    for _ in $(seq 400); do
        grep -q "$sim_addr" "$work/sim.out" 2>/dev/null && break
        sleep 0.25
    done
    # govmomi's simulator counts no requests.
    sim_stats() { echo '{"soap_requests": 0}'; }
    sim_reset() { :; }
else
    user=root password=password
    "$esxsim" --listen "$sim_addr:443" --vcenter --generate-hosts "$hosts" --generate-vms "$vms" \
        >"$work/sim.out" 2>"$work/sim.err" &
    pids+=($!)
    url=
    for _ in $(seq 400); do
        url=$(head -n1 "$work/sim.out" 2>/dev/null || true)
        [[ $url == http* ]] && break
        sleep 0.25
    done
    [[ $url == http* ]] || { cat "$work/sim.err" >&2; exit 1; }
    sim_stats() { curl -skf -u root:password "$url/esxsim/stats"; }
    sim_reset() { curl -skf -u root:password -X POST "$url/esxsim/stats/reset" >/dev/null; }
fi

# vmware_exporter: collects when scraped.
vport=$(free_port)
VSPHERE_HOST=$sim_addr VSPHERE_USER=$user VSPHERE_PASSWORD=$password VSPHERE_IGNORE_SSL=True \
    "$venv/bin/vmware_exporter" -a 127.0.0.1 -p "$vport" -l WARNING >"$work/vmw.log" 2>&1 &
vpid=$!
pids+=("$vpid")
for _ in $(seq 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$vport/" 2>/dev/null && break
    sleep 0.1
done
: >"$work/vmw"
vcpu0=$(cpu_seconds "$vpid")
vreq=0 vok=0
for i in $(seq "$scrapes"); do
    sim_reset
    t=$(curl -s -m 600 -o "$work/vm.txt" -w '%{time_total} %{http_code}' "http://127.0.0.1:$vport/metrics" || echo "fail 0")
    n=$(sim_stats | jq .soap_requests)
    series=$(grep -c '^vmware_vm_power_state{' "$work/vm.txt" 2>/dev/null || true)
    echo "  vmware_exporter scrape $i: $t, $n requests, ${series:-0} VM series" >&2
    if [[ $t == *" 200" && ${series:-0} -gt 0 ]]; then
        echo "${t% *}" >>"$work/vmw"
        vreq=$((vreq + n))
        vok=$((vok + 1))
    fi
done
vcpu=$(awk -v a="$(cpu_seconds "$vpid")" -v b="$vcpu0" 'BEGIN { print a - b }')
vrss=$(hwm_mb "$vpid")
vseries=$(grep -c '^vmware_vm_power_state{' "$work/vm.txt" 2>/dev/null || true)
# Why a failed scrape failed, in one line.
vwhy=$(grep -o "KeyError[^,]*\|AttributeError[^,]*" "$work/vmw.log" | head -n1 | tr -d "\"'<>" || true)
kill "$vpid" 2>/dev/null || true

# esxvirt-exporter on the same simulator.
cat >"$work/auth.conf" <<EOF
[credentials-bench]
authname=$user
password=$password

[auth-vpx-$sim_addr]
credentials=bench
EOF
sim_reset
LIBVIRT_AUTH_FILE=$work/auth.conf "$exporter" -c "vpx://$sim_addr/?no_verify=1" \
    --listen 127.0.0.1:0 --interval 2 >/dev/null 2>"$work/exp.err" &
epid=$!
pids+=("$epid")
addr=
for _ in $(seq 200); do
    addr=$(grep -o '127.0.0.1:[0-9]*' "$work/exp.err" | head -n1 || true)
    [[ -n $addr ]] && break
    sleep 0.05
done
status_of() { grep "^$1{target=" "$work/m" | awk '{ print $2 }' | head -n1; }
until curl -sf -o "$work/m" "http://$addr/metrics" && [[ $(status_of esxvirt_collections_total) -ge 2 ]]; do
    sleep 0.2
done
first=$(status_of esxvirt_collections_total)
sim_reset
ecpu0=$(cpu_seconds "$epid")
: >"$work/esx" >"$work/esxdur"
for i in $(seq "$scrapes"); do
    curl -s -o "$work/m" -w '%{time_total}\n' "http://$addr/metrics" >>"$work/esx"
    status_of esxvirt_collection_duration_seconds >>"$work/esxdur"
    sleep 2
done
curl -sf -o "$work/m" "http://$addr/metrics"
collections=$(( $(status_of esxvirt_collections_total) - first ))
ecpu=$(awk -v a="$(cpu_seconds "$epid")" -v b="$ecpu0" 'BEGIN { print a - b }')
ereq=$(sim_stats | jq .soap_requests)
erss=$(hwm_mb "$epid")
eseries=$(grep -c '^esxvirt_vm_power_state{' "$work/m" || true)

python3 - "$work" "$((hosts * vms))" "$sim" "$vwhy" "$vok" "$vreq" "$vcpu" "$vrss" "${vseries:-0}" \
    "$collections" "$ereq" "$ecpu" "$erss" "$eseries" <<'EOF'
import statistics, sys
work, nvms, sim, vwhy, vok, vreq, vcpu, vrss, vseries, coll, ereq, ecpu, erss, eseries = sys.argv[1:]
vok, coll = int(vok), max(1, int(coll))
esx = [float(x) for x in open(f"{work}/esx").read().split()]
dur = [float(x) for x in open(f"{work}/esxdur").read().split()]
print(f"| {sim} vCenter, {int(eseries):,} VMs | vmware_exporter 0.18.4 | esxvirt-exporter | ratio |")
print("| --- | --- | --- | --- |")
if vok:
    vm = statistics.median(float(x) for x in open(f"{work}/vmw").read().split())
    em = statistics.median(esx)
    print(f"| /metrics answer, median of {vok} / {len(esx)} | {vm:.2f} s | {em * 1000:.1f} ms | {vm / em:.0f}x |")
    print(f"| collection behind it (vmware_exporter: the scrape itself) | {vm:.2f} s | {statistics.median(dur):.3f} s | {vm / statistics.median(dur):.0f}x |")
    if sim != "vcsim":
        print(f"| SOAP requests per answer / per collection | {int(vreq) / vok:.0f} | {int(ereq) / coll:.1f} | |")
    ec = float(ecpu) / coll
    ratio = f"{float(vcpu) / vok / ec:.0f}x" if ec > 0 else ""
    shown = f"{ec:.3f} s" if ec > 0 else "< 0.01 s"
    print(f"| CPU per answer / per collection | {float(vcpu) / vok:.2f} s | {shown} ({coll} collections) | {ratio} |")
else:
    print(f"| /metrics answer | HTTP 500: {vwhy or 'see its log'} | {statistics.median(esx) * 1000:.1f} ms | |")
print(f"| peak RSS | {vrss} MB | {erss} MB | |")
print(f"| VM power-state series | {vseries} | {eseries} | |")
EOF
