#!/usr/bin/env bash
# Debian 12's virt-v2v (2.2), unpacked into DIR (default target/virt-v2v) with the few
# libraries it needs that the machine lacks, and a wrapper DIR/virt-v2v that runs it; nbdkit
# (whose curl plugin virt-v2v's vCenter/ESX https input runs) is installed with apt.
#
# Why unpacked rather than installed: the virt-v2v package depends on libguestfs0 and so
# on qemu-system-x86 7.2, which a machine carrying qemu-utils from bookworm-backports cannot
# take without a downgrade, and the install brings 147 packages (the QEMU system emulator,
# supermin, lvm2, mdadm, systemd upgrades). The tests only run `virt-v2v --print-source`,
# which stops before the libguestfs appliance starts: the binary and its shared libraries
# are all it needs. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$here/target/virt-v2v}
export DEBIAN_FRONTEND=noninteractive
if ! command -v nbdkit >/dev/null || ! command -v virsh >/dev/null; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nbdkit libvirt-clients >/dev/null
fi
if [ -x "$dir/virt-v2v" ] && "$dir/virt-v2v" --version >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
(cd "$dir/debs" && apt-get download virt-v2v libguestfs0 libosinfo-1.0-0 libfuse2 libsoup-3.0-0 \
  >/dev/null 2>&1) || { apt-get update -qq >/dev/null
  (cd "$dir/debs" && apt-get download virt-v2v libguestfs0 libosinfo-1.0-0 libfuse2 libsoup-3.0-0 >/dev/null 2>&1); }
for f in "$dir"/debs/*.deb; do dpkg-deb -x "$f" "$dir/root"; done
rm -rf "$dir/debs"
cat >"$dir/virt-v2v" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu:$dir/root/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \\
  exec "$dir/root/usr/bin/virt-v2v" "\$@"
WRAP
chmod +x "$dir/virt-v2v"
"$dir/virt-v2v" --version >/dev/null
