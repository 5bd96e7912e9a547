#!/usr/bin/env bash
# Builds govmomi's vSphere simulator, an independent peer for the tests, from Debian's
# golang-github-vmware-govmomi-dev (govmomi 0.24.2) and the front end beside this script.
#
#   bash scripts/vcsim/build.sh [--no-install] [OUT]     (OUT defaults to target/vcsim/vcsim)
#
# Without --no-install it installs golang-go and golang-github-vmware-govmomi-dev with
# apt-get when they are missing (root needed); with it, it exits 3 when they are missing.
# The result takes vcsim's flags: `vcsim -esx -l 127.0.0.1:PORT` serves an ESX host,
# `vcsim -l 127.0.0.1:PORT -host 3 -vm 2` a vCenter, `vcsim -load DIR` a `govc object.save`
# recording; `-tls=false` serves plain http.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
install=1
if [ "${1:-}" = "--no-install" ]; then
  install=0
  shift
fi
out=$(realpath -m "${1:-$here/../../target/vcsim/vcsim}")
src=/usr/share/gocode/src/github.com/vmware/govmomi/simulator
if ! command -v go >/dev/null || [ ! -d "$src" ]; then
  if [ "$install" = 0 ]; then
    echo "Go or govmomi's sources are missing (apt-get install golang-go golang-github-vmware-govmomi-dev)" >&2
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends golang-go golang-github-vmware-govmomi-dev >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/esxvirt-vcsim" "$(dirname "$out")"
cp "$here/main.go" "$work/src/esxvirt-vcsim/"
cd "$work/src/esxvirt-vcsim"
# Debian installs Go libraries as a GOPATH tree, so this is a GOPATH (not module) build.
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$work/cache}" \
  go build -o "$out" .
echo "built $out"
