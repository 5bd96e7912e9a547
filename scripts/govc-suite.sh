#!/usr/bin/env bash
# Measures esxsim with a client nobody here wrote: govmomi's own govc test suite
# (govc/test/*.bats at v0.24.2, the govmomi release Debian packages), run once against
# govmomi's simulator (vcsim) and once against esxsim standing in for it.
#
#   bash scripts/govc-suite.sh [--sim vcsim|esxsim|both] [--jobs N] [--timeout SECS] [FILE ...]
#
# FILE names bats files without `.bats` (default: the files below). govmomi's sources come
# from GOVMOMI_GIT (a clone or mirror of github.com/vmware/govmomi; default: clone it from
# GitHub); govc and vcsim are built from the tag with Go (GOPATH build of its vendored
# dependencies) into target/govc-suite/. esxsim is `cargo build`t from this repository; the
# suite reaches it through a `vcsim` on PATH that runs `esxsim`, which takes vcsim's command
# line. Needs go, bats, git, jq (Debian: golang-go bats git jq).
#
# This is a measurement, not a test: it prints per-file pass counts for each simulator, the
# tests that pass on vcsim but not on esxsim, and the totals. No govmomi code enters the repo.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tag=v0.24.2
sims=both
jobs=1
timeout=600
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sim) sims=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) files+=("${1%.bats}"); shift ;;
  esac
done
case "$sims" in vcsim|esxsim|both) ;; *) echo "govc-suite: --sim takes vcsim, esxsim or both" >&2; exit 2 ;; esac
if [ ${#files[@]} -eq 0 ]; then
  files=(cli session vm host datastore datacenter folder ls object snapshot events metric network pool cluster)
fi
for tool in go bats git; do
  command -v "$tool" >/dev/null || { echo "govc-suite: $tool is missing (apt-get install golang-go bats git)" >&2; exit 2; }
done

work=$repo/target/govc-suite
src=$work/gopath/src/github.com/vmware/govmomi
mkdir -p "$work/bin"
if [ ! -x "$work/bin/govc" ] || [ ! -x "$work/bin/vcsim" ] || [ "$(cat "$work/tag" 2>/dev/null)" != "$tag" ]; then
  rm -rf "$work/gopath"
  mkdir -p "$(dirname "$src")"
  git_src=${GOVMOMI_GIT:-https://github.com/vmware/govmomi}
  if [ -d "$git_src" ]; then
    git -C "$git_src" archive --prefix=govmomi/ "$tag" | tar -x -C "$(dirname "$src")"
  else
    git clone -q --depth 1 --branch "$tag" "$git_src" "$src"
  fi
  # The tag vendors its dependencies, so a GOPATH build needs nothing else.
  (cd "$src" && for cmd in govc vcsim; do
     GOPATH=$work/gopath GO111MODULE=off GOFLAGS= GOCACHE=$work/gocache go build -o "$work/bin/$cmd" "./$cmd"
   done)
  echo "$tag" > "$work/tag"
fi

cargo build -q --manifest-path "$repo/Cargo.toml" -p esxvirt-sim --bin esxsim
esxsim=$repo/target/debug/esxsim
shim=$work/esxsim-as-vcsim
mkdir -p "$shim"
printf '#!/bin/sh\nexec %q "$@"\n' "$esxsim" > "$shim/vcsim"
chmod +x "$shim/vcsim"
ln -sf "$work/bin/govc" "$shim/govc"
real=$work/real-vcsim
mkdir -p "$real"
ln -sf "$work/bin/vcsim" "$real/vcsim"
ln -sf "$work/bin/govc" "$real/govc"

# run SIM FILE: TAP output of one bats file, under a time limit.
run() {
  local dir=$1 file=$2 out=$3
  (cd "$src/govc/test" && PATH="$dir:$PATH" GOPATH=$work/gopath timeout "$timeout" bats -t "$file.bats") > "$out" 2>&1 || true
}

results=$work/results
mkdir -p "$results"
want_sim() { [ "$sims" = both ] || [ "$sims" = "$1" ]; }
# Only the runs asked for are redone; other results stay for comparison.
for s in vcsim esxsim; do
  if want_sim "$s"; then
    for f in "${files[@]}"; do rm -f "$results/$s.$f.tap"; done
  fi
done
export -f run
export src work timeout
for f in "${files[@]}"; do
  [ -f "$src/govc/test/$f.bats" ] || { echo "govc-suite: no $f.bats at $tag" >&2; exit 2; }
  want_sim vcsim && echo "run $real $f $results/vcsim.$f.tap"
  want_sim esxsim && echo "run $shim $f $results/esxsim.$f.tap"
done | xargs -P "$jobs" -I{} bash -c '{}'

# Count: `ok N name` lines that are not skips.
passed() { grep -E '^ok [0-9]+ ' "$1" 2>/dev/null | grep -v '# skip' | sed -E 's/^ok [0-9]+ //' || true; }
planned() { grep -m1 -E '^1\.\.[0-9]+' "$1" 2>/dev/null | sed 's/1\.\.//' || echo 0; }

printf '%-12s %8s %8s %8s\n' file tests vcsim esxsim
tv=0; te=0; tt=0; both=0
for f in "${files[@]}"; do
  v=-; e=-
  n=$(planned "$results/vcsim.$f.tap" 2>/dev/null || true)
  [ -n "$n" ] && [ "$n" != 0 ] || n=$(planned "$results/esxsim.$f.tap" 2>/dev/null || echo 0)
  # A simulator not run this time shows its last results, when there are any.
  if [ -f "$results/vcsim.$f.tap" ]; then v=$(passed "$results/vcsim.$f.tap" | wc -l); tv=$((tv + v)); fi
  if [ -f "$results/esxsim.$f.tap" ]; then e=$(passed "$results/esxsim.$f.tap" | wc -l); te=$((te + e)); fi
  if [ -f "$results/vcsim.$f.tap" ] && [ -f "$results/esxsim.$f.tap" ]; then
    b=$(comm -12 <(passed "$results/vcsim.$f.tap" | sort) <(passed "$results/esxsim.$f.tap" | sort) | wc -l)
    both=$((both + b))
  fi
  tt=$((tt + n))
  printf '%-12s %8s %8s %8s\n' "$f" "$n" "$v" "$e"
done
printf '%-12s %8s %8s %8s\n' total "$tt" "$tv" "$te"
if [ "$tv" != 0 ] && [ "$te" != 0 ]; then
  echo "passing on both: $both of the $tv that vcsim passes"
  echo
  echo "passing on vcsim, failing on esxsim:"
  for f in "${files[@]}"; do
    comm -23 <(passed "$results/vcsim.$f.tap" | sort) <(passed "$results/esxsim.$f.tap" | sort) | sed "s/^/  $f: /"
  done
fi
echo
echo "TAP output: $results"
