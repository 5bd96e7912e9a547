#!/usr/bin/env python3
"""Round trips per parity command: Debian's virsh (libvirt's C ESX driver) and esxvirt, cold
(ESXVIRT_NO_SESSION_CACHE=1) and with its session cache, against the same esxsim.

Requests are counted by the simulator itself (GET /esxsim/stats: SOAP requests per method,
plus file transfers under /folder and /screen), read before and after each command. Read
commands share one simulator; a command that changes state gets a fresh simulator for each
tool, so every tool sees the same starting state. Prints a markdown table (and, with --json,
writes every method breakdown to a file).

Usage: round_trips.py --esxvirt PATH --esxsim PATH [--virsh /usr/bin/virsh] [--json OUT]
                      [--only SUBSTRING] [--no-vpx]
"""

import argparse
import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

# ---------------------------------------------------------------------------------------
# Input files the commands read.

FIXTURES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "fixtures"
)


def fixture(name):
    """A file of testdata/fixtures, shared with the Rust tests that read the same input."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


NEW_DOMAIN = fixture("newvm-domain.xml")

NATIVE_VMX = fixture("native.vmx")

SNAPSHOT_XML = """<domainsnapshot>
  <name>fromxml</name>
  <description>created from a file</description>
</domainsnapshot>
"""

NETWORK_XML = """<network>
  <name>vSwitchTest</name>
  <forward mode='bridge'/>
  <portgroup name='TestPG'/>
</network>
"""

VOLUME_XML = """<volume>
  <name>scratch/fromxml.vmdk</name>
  <capacity unit='M'>10</capacity>
  <target>
    <format type='vmdk'/>
  </target>
</volume>
"""

CLONE_XML = """<volume>
  <name>scratch/clone.vmdk</name>
  <capacity unit='M'>10</capacity>
  <target>
    <format type='vmdk'/>
  </target>
</volume>
"""

FILES = {
    "newvm.xml": NEW_DOMAIN,
    "native.vmx": NATIVE_VMX,
    "snap.xml": SNAPSHOT_XML,
    "net.xml": NETWORK_XML,
    "vol.xml": VOLUME_XML,
    "clone.xml": CLONE_XML,
}

# ---------------------------------------------------------------------------------------
# The commands: BRIEF section 5's parity table on esxsim's default ESX inventory (VMs web01
# running, db01 off with a snapshot tree base > patched > current-work / base > experiment,
# win2019 suspended, tiny off; datastore1; vSwitch0 and vSwitch1; vmnic0/vmnic1).
# Placeholders: {NAME} come from a discovery pass, {F:file} is one of FILES, {OUT} a fresh
# output path. "write" commands get a fresh simulator per tool; "setup" runs (through virsh,
# uncounted) before the measured command.

R, W = "read", "write"

ESX_COMMANDS = [
    ("host", R, ["uri"]),
    ("host", R, ["hostname"]),
    ("host", R, ["version"]),
    ("host", R, ["nodeinfo"]),
    ("host", R, ["capabilities"]),
    ("host", R, ["freecell"]),
    ("host", R, ["connect"]),
    ("domains", R, ["list"]),
    ("domains", R, ["list", "--all"]),
    ("domains", R, ["list", "--inactive"]),
    ("domains", R, ["list", "--all", "--name"]),
    ("domains", R, ["list", "--all", "--uuid"]),
    ("domains", R, ["list", "--all", "--managed-save"]),
    ("domains", R, ["dominfo", "web01"]),
    ("domains", R, ["dominfo", "{WEB01_UUID}"]),
    ("domains", R, ["domstate", "web01"]),
    ("domains", R, ["domid", "web01"]),
    ("domains", R, ["domname", "{WEB01_ID}"]),
    ("domains", R, ["domuuid", "web01"]),
    ("domains", R, ["dumpxml", "web01"]),
    ("domains", R, ["vcpucount", "web01"]),
    ("domains", R, ["maxvcpus"]),
    ("domains", R, ["schedinfo", "web01"]),
    ("domains", R, ["memtune", "web01"]),
    ("domains", R, ["screenshot", "web01", "{OUT}"]),
    ("domains", R, ["domifaddr", "web01"]),
    ("domains", R, ["domhostname", "web01"]),
    ("domains", R, ["domxml-from-native", "vmware-vmx", "{F:native.vmx}"]),
    ("domains", R, ["domxml-to-native", "vmware-vmx", "{F:newvm.xml}"]),
    ("domains", W, ["define", "{F:newvm.xml}"]),
    ("domains", W, ["undefine", "tiny"]),
    ("domains", W, ["start", "tiny"]),
    ("domains", W, ["shutdown", "web01"]),
    ("domains", W, ["reboot", "web01"]),
    ("domains", W, ["destroy", "web01"]),
    ("domains", W, ["suspend", "web01"]),
    ("domains", W, ["resume", "win2019"]),
    ("domains", W, ["setmem", "tiny", "262144", "--current"]),
    ("domains", W, ["setmaxmem", "tiny", "1048576"]),
    ("domains", W, ["memtune", "tiny", "--min-guarantee", "131072"]),
    ("domains", W, ["setvcpus", "tiny", "2"]),
    ("domains", W, ["schedinfo", "tiny", "--set", "shares=2000"]),
    ("domains", W, ["autostart", "tiny"]),
    ("domains", W, ["autostart", "--disable", "tiny"]),
    ("snapshots", R, ["snapshot-list", "db01"]),
    ("snapshots", R, ["snapshot-list", "db01", "--tree"]),
    ("snapshots", R, ["snapshot-list", "db01", "--parent"]),
    ("snapshots", R, ["snapshot-list", "db01", "--roots"]),
    ("snapshots", R, ["snapshot-list", "db01", "--leaves"]),
    ("snapshots", R, ["snapshot-list", "db01", "--name"]),
    ("snapshots", R, ["snapshot-info", "db01", "patched"]),
    ("snapshots", R, ["snapshot-dumpxml", "db01", "base"]),
    ("snapshots", R, ["snapshot-current", "db01"]),
    ("snapshots", R, ["snapshot-current", "db01", "--name"]),
    ("snapshots", R, ["snapshot-parent", "db01", "patched"]),
    ("snapshots", W, ["snapshot-create", "tiny", "{F:snap.xml}"]),
    ("snapshots", W, ["snapshot-create-as", "tiny", "first", "the first"]),
    ("snapshots", W, ["snapshot-revert", "db01", "base"]),
    ("snapshots", W, ["snapshot-delete", "db01", "experiment"]),
    ("snapshots", W, ["snapshot-delete", "db01", "patched", "--children"]),
    ("snapshots", W, ["snapshot-delete", "db01", "base", "--children-only"]),
    ("networks", R, ["net-list"]),
    ("networks", R, ["net-list", "--all"]),
    ("networks", R, ["net-info", "vSwitch0"]),
    ("networks", R, ["net-dumpxml", "vSwitch0"]),
    ("networks", R, ["net-uuid", "vSwitch0"]),
    ("networks", R, ["net-name", "{NET_UUID}"]),
    ("networks", R, ["net-autostart", "vSwitch0"]),
    ("networks", W, ["net-define", "{F:net.xml}"]),
    ("networks", W, ["net-undefine", "vSwitch1"]),
    ("interfaces", R, ["iface-list"]),
    ("interfaces", R, ["iface-list", "--all"]),
    ("interfaces", R, ["iface-dumpxml", "{MAC}"]),
    ("interfaces", R, ["iface-mac", "vmnic0"]),
    ("interfaces", R, ["iface-name", "{MAC}"]),
    ("storage", R, ["pool-list", "--all"]),
    ("storage", R, ["pool-info", "datastore1"]),
    ("storage", R, ["pool-dumpxml", "datastore1"]),
    ("storage", R, ["pool-refresh", "datastore1"]),
    ("storage", R, ["pool-uuid", "datastore1"]),
    ("storage", R, ["pool-name", "{POOL_UUID}"]),
    ("storage", R, ["vol-list", "datastore1"]),
    ("storage", R, ["vol-info", "--pool", "datastore1", "{VOL}"]),
    ("storage", R, ["vol-dumpxml", "--pool", "datastore1", "{VOL}"]),
    ("storage", R, ["vol-path", "--pool", "datastore1", "{VOL}"]),
    ("storage", R, ["vol-key", "--pool", "datastore1", "{VOL}"]),
    ("storage", R, ["vol-name", "{VOL_KEY}"]),
    ("storage", R, ["vol-pool", "{VOL_PATH}"]),
    ("storage", W, ["vol-create", "datastore1", "{F:vol.xml}"]),
    ("storage", W, ["vol-create-as", "datastore1", "scratch/new.vmdk", "10M", "--format", "vmdk"]),
    ("storage", W, ["vol-create-from", "datastore1", "{F:clone.xml}", "{VOL}", "--inputpool", "datastore1"]),
    ("storage", W, ["vol-delete", "--pool", "datastore1", "scratch/x.vmdk"],
     [["vol-create-as", "datastore1", "scratch/x.vmdk", "10M", "--format", "vmdk"]]),
    ("storage", W, ["vol-wipe", "--pool", "datastore1", "scratch/x.vmdk"],
     [["vol-create-as", "datastore1", "scratch/x.vmdk", "10M", "--format", "vmdk"]]),
]

# vpx://: a vCenter (esxsim --vcenter: dc1/cluster1 with esx-01..03, standalone esx-04; VMs
# app01.. two per host, odd ones running). Read commands, plus migrate.
VPX_PATH = "dc1/cluster1/esx-01.example.com"
VPX_COMMANDS = [
    ("host", R, ["hostname"]),
    ("host", R, ["version"]),
    ("host", R, ["nodeinfo"]),
    ("host", R, ["capabilities"]),
    ("domains", R, ["list", "--all"]),
    ("domains", R, ["dominfo", "app01"]),
    ("domains", R, ["domstate", "app01"]),
    ("domains", R, ["domuuid", "app01"]),
    ("domains", R, ["dumpxml", "app01"]),
    ("domains", R, ["schedinfo", "app01"]),
    ("snapshots", R, ["snapshot-list", "app01"]),
    ("networks", R, ["net-list", "--all"]),
    ("storage", R, ["pool-list", "--all"]),
    ("storage", R, ["vol-list", "shared-vmfs"]),
    ("domains", W, ["start", "app02"]),
    ("domains", W, ["migrate", "app01", "{DEST_URI}"]),
]

READ_TARGET = {"esx": 3, "vpx": 4}

# ---------------------------------------------------------------------------------------


class Sim:
    """One esxsim process on a loopback port of its own."""

    def __init__(self, esxsim, vcenter=False):
        self.dir = tempfile.mkdtemp(prefix="bench-rt-")
        args = [esxsim, "--listen", "127.0.0.1:0"]
        if vcenter:
            args.append("--vcenter")
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"esxsim did not start (first line {line!r})")
        self.url = line
        self.port = line.rsplit(":", 1)[1].rstrip("/")
        self.https = line.startswith("https")
        with open(os.path.join(self.dir, "auth.conf"), "w") as f:
            f.write(
                "[credentials-bench]\nauthname=root\npassword=password\n\n"
                "[auth-esx-127.0.0.1]\ncredentials=bench\n\n"
                "[auth-vpx-127.0.0.1]\ncredentials=bench\n"
            )
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def uri(self, vpx=False):
        if vpx:
            return f"vpx://root@127.0.0.1:{self.port}/{VPX_PATH}?no_verify=1"
        return f"esx://root@127.0.0.1:{self.port}/?no_verify=1"

    def stats(self):
        # The control endpoints take the simulator's user and password (HTTP basic).
        req = urllib.request.Request(
            self.url + "/esxsim/stats",
            headers={"Authorization": "Basic " + base64.b64encode(b"root:password").decode()},
        )
        with urllib.request.urlopen(req, context=self.ctx) as r:
            return json.load(r)

    def env(self, cache):
        env = dict(os.environ)
        env.pop("LIBVIRT_DEFAULT_URI", None)
        env.pop("ESXVIRT_DEFAULT_URI", None)
        env["LIBVIRT_AUTH_FILE"] = os.path.join(self.dir, "auth.conf")
        env["HOME"] = self.dir
        env["XDG_CONFIG_HOME"] = os.path.join(self.dir, "config")
        env["XDG_CACHE_HOME"] = os.path.join(self.dir, "cache")
        env["XDG_RUNTIME_DIR"] = os.path.join(self.dir, "run")
        if cache:
            env.pop("ESXVIRT_NO_SESSION_CACHE", None)
        else:
            env["ESXVIRT_NO_SESSION_CACHE"] = "1"
        return env

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def diff(before, after):
    """Requests between two stats snapshots: (soap by method, files by kind)."""
    soap = {}
    for m, n in after["methods"].items():
        d = n - before["methods"].get(m, 0)
        if d:
            soap[m] = d
    files = {}
    for k, n in after["http"].items():
        d = n - before["http"].get(k, 0)
        if d:
            files[k] = d
    return soap, files


class Runner:
    def __init__(self, opts, files_dir):
        self.opts = opts
        self.files_dir = files_dir
        self.values = {}
        self.out_n = 0

    def expand(self, args, sim=None):
        out = []
        for a in args:
            if a.startswith("{F:"):
                out.append(os.path.join(self.files_dir, a[3:-1]))
            elif a == "{OUT}":
                self.out_n += 1
                out.append(os.path.join(self.files_dir, f"out-{self.out_n}"))
            elif a == "{DEST_URI}":
                out.append(
                    f"vpx://root@127.0.0.1:{sim.port}/dc1/cluster1/esx-02.example.com?no_verify=1"
                )
            elif a.startswith("{") and a.endswith("}"):
                out.append(self.values[a[1:-1]])
            else:
                out.append(a)
        return out

    def run(self, sim, tool, args, vpx=False, cache=False):
        """Runs one command; returns (ok, stdout, stderr, soap, files, seconds)."""
        exe = self.opts.virsh if tool == "virsh" else self.opts.esxvirt
        cmd = [exe, "-c", sim.uri(vpx)] + self.expand(args, sim)
        before = sim.stats()
        t = time.monotonic()
        p = subprocess.run(
            cmd,
            env=sim.env(cache),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        secs = time.monotonic() - t
        # The counters are bumped before a response is written; the command has exited.
        soap, files = diff(before, sim.stats())
        return p.returncode == 0, p.stdout, p.stderr, soap, files, secs

    def discover(self, sim):
        """Names, IDs and UUIDs of the default ESX inventory, through virsh."""

        def v(*args):
            ok, out, err, *_ = self.run(sim, "virsh", list(args))
            if not ok:
                raise RuntimeError(f"virsh {' '.join(args)}: {err.strip()}")
            return out.strip()

        self.values["WEB01_ID"] = v("domid", "web01")
        self.values["WEB01_UUID"] = v("domuuid", "web01")
        self.values["NET_UUID"] = v("net-uuid", "vSwitch0")
        self.values["POOL_UUID"] = v("pool-uuid", "datastore1")
        vols = v("vol-list", "datastore1")
        names = [l.split()[0] for l in vols.splitlines()[2:] if l.strip()]
        vol = next((n for n in names if n.startswith("tiny/") and n.endswith(".vmdk")), None)
        if vol is None:
            vol = next(n for n in names if n.endswith(".vmdk") and "-0000" not in n)
        self.values["VOL"] = vol
        self.values["VOL_KEY"] = v("vol-key", "--pool", "datastore1", vol)
        self.values["VOL_PATH"] = v("vol-path", "--pool", "datastore1", vol)
        # libvirt 9.0 finds physical NICs by MAC only; take vmnic0's from esxvirt's
        # listing if virsh's is empty.
        mac = None
        ok, out, *_ = self.run(sim, "esxvirt", ["iface-mac", "vmnic0"])
        if ok and out.strip():
            mac = out.strip()
        self.values["MAC"] = mac or "24:6e:96:00:00:04"


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def measure(runner, opts, commands, vpx):
    """Measures every command; returns result rows."""
    rows = []
    shared = Sim(opts.esxsim, vcenter=vpx)
    try:
        if not vpx:
            runner.discover(shared)
        # Prime esxvirt's session cache for the shared simulator.
        runner.run(shared, "esxvirt", ["hostname"], vpx=vpx, cache=True)
        for spec in commands:
            group, kind, args = spec[0], spec[1], spec[2]
            setup = spec[3] if len(spec) > 3 else []
            label = " ".join(a if " " not in a else repr(a) for a in args)
            if opts.only and opts.only not in label:
                continue
            res = {"group": group, "kind": kind, "command": label}
            for tool, cache, key in (
                ("virsh", False, "virsh"),
                ("esxvirt", False, "cold"),
                ("esxvirt", True, "cached"),
            ):
                if kind == R:
                    sim = shared
                else:
                    sim = Sim(opts.esxsim, vcenter=vpx)
                try:
                    if kind == W:
                        for s in setup:
                            ok, _, err, *_ = runner.run(sim, "virsh", s, vpx=vpx)
                            if not ok:
                                print(f"setup {s} failed: {err}", file=sys.stderr)
                        if cache:
                            runner.run(sim, "esxvirt", ["hostname"], vpx=vpx, cache=True)
                    first = None
                    if kind == R and cache:
                        # A read command is counted as repeated: the session cache also
                        # remembers which VM a name was (the first run learns it).
                        first = sum(runner.run(sim, tool, args, vpx=vpx, cache=cache)[3].values())
                    ok, out, err, soap, files, secs = runner.run(
                        sim, tool, args, vpx=vpx, cache=cache
                    )
                finally:
                    if sim is not shared:
                        sim.stop()
                res[key] = {
                    "ok": ok,
                    "stdout": out,
                    "soap": sum(soap.values()),
                    "methods": soap,
                    "files": files,
                    "error": "" if ok else first_line(err) or first_line(out),
                    "seconds": round(secs, 3),
                    "first": first,
                }
            rows.append(res)
            print(
                f"  {'vpx' if vpx else 'esx'} {label}: virsh {res['virsh']['soap']} "
                f"cold {res['cold']['soap']} cached {res['cached']['soap']}",
                file=sys.stderr,
            )
    finally:
        shared.stop()
    return rows


def cell(r):
    text = str(r["soap"])
    if r.get("first") is not None and r["first"] != r["soap"]:
        text = f"{text} (first {r['first']})"
    nfiles = sum(r["files"].values())
    if nfiles:
        kinds = "+".join(f"{k.strip('/')}" for k in sorted(r["files"]))
        text += f" (+{nfiles} {kinds})"
    if not r["ok"]:
        text += " (fails)"
    return text


def verdict(row, target):
    """Notes: failures, and where esxvirt misses a target."""
    notes = []
    v, c, w = row["virsh"], row["cold"], row["cached"]
    if not v["ok"]:
        notes.append(f"virsh: `{v['error'][:90]}`")
    if not c["ok"]:
        notes.append(f"esxvirt: `{c['error'][:90]}`")
    if v["ok"] and c["ok"] and v.get("stdout") != c.get("stdout") and "{OUT}" not in row["command"]:
        notes.append("output differs from virsh's")
    over = []
    if row["kind"] == R:
        # The brief's cold budget (service content, login, one retrieval) does not count
        # the Logout a cold command ends with; the cached budget counts everything.
        cold = c["soap"] - c["methods"].get("Logout", 0)
        if cold > target:
            over.append(f"cold {cold} (without Logout) > {target}")
        if w["soap"] > 1:
            over.append(f"cached {w['soap']} > 1")
    if c["soap"] > v["soap"]:
        over.append(f"more than virsh ({c['soap']} > {v['soap']})")
    if over:
        notes.append("**over target**: " + ", ".join(over))
    return "; ".join(notes)


def table(rows, target, title):
    lines = [
        f"#### {title}",
        "",
        "| group | command | virsh SOAP | esxvirt cold | esxvirt cached | notes |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['group']} | `{row['command']}` | {cell(row['virsh'])} | "
            f"{cell(row['cold'])} | {cell(row['cached'])} | {verdict(row, target)} |"
        )
    return "\n".join(lines)


def breakdown(rows, target):
    """Method breakdown of every row where esxvirt misses a target."""
    out = []
    for row in rows:
        if "over target" not in verdict(row, target):
            continue
        fmt = lambda m: ", ".join(f"{k} {n}" for k, n in sorted(m.items())) or "none"
        out.append(
            f"- `{row['command']}`: virsh [{fmt(row['virsh']['methods'])}]; "
            f"esxvirt cold [{fmt(row['cold']['methods'])}]; "
            f"cached [{fmt(row['cached']['methods'])}]"
        )
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--esxvirt", required=True)
    ap.add_argument("--esxsim", required=True)
    ap.add_argument("--virsh", default="/usr/bin/virsh")
    ap.add_argument("--json", help="write every result (with method breakdowns) here")
    ap.add_argument("--only", help="only commands whose text contains this")
    ap.add_argument("--no-vpx", action="store_true", help="skip the vCenter table")
    opts = ap.parse_args()
    for exe in (opts.esxvirt, opts.esxsim, opts.virsh):
        if not os.access(exe, os.X_OK):
            sys.exit(f"not executable: {exe}")

    files_dir = tempfile.mkdtemp(prefix="bench-rt-files-")
    try:
        for name, text in FILES.items():
            with open(os.path.join(files_dir, name), "w") as f:
                f.write(text)
        runner = Runner(opts, files_dir)
        esx = measure(runner, opts, ESX_COMMANDS, vpx=False)
        vpx = [] if opts.no_vpx else measure(runner, opts, VPX_COMMANDS, vpx=True)
    finally:
        shutil.rmtree(files_dir, ignore_errors=True)

    print(table(esx, READ_TARGET["esx"], "esx:// (esxsim default ESX host, https)"))
    b = breakdown(esx, READ_TARGET["esx"])
    if b:
        print("\nMethod breakdown where esxvirt is over a target:\n\n" + b)
    if vpx:
        print()
        print(table(vpx, READ_TARGET["vpx"], f"vpx:// (esxsim default vCenter, /{VPX_PATH}, https)"))
        b = breakdown(vpx, READ_TARGET["vpx"])
        if b:
            print("\nMethod breakdown where esxvirt is over a target:\n\n" + b)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"esx": esx, "vpx": vpx}, f, indent=1)


if __name__ == "__main__":
    main()
