"""pyVmomi (VMware's Python SDK) against esxsim: issue 4's client-fidelity acceptance.

Usage: acceptance.py PROTOCOL HOST PORT USER PASSWORD STEPS [VM_NAME]
STEPS is a comma list of: connect, list, power, reconfig, snapshot, badlogin, expire.
Prints one line per check; exits non-zero (with a traceback) on the first failure.
"""
import sys

from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl


def main():
    protocol, host, port, user, pwd, steps = sys.argv[1:7]
    vm_name = sys.argv[7] if len(sys.argv) > 7 else None
    steps = steps.split(",")
    kw = dict(protocol=protocol, host=host, port=int(port), user=user, pwd=pwd)
    if protocol == "https":
        kw["disableSslCertValidation"] = True

    if "badlogin" in steps:
        try:
            SmartConnect(**dict(kw, pwd=pwd + "-wrong"))
        except vim.fault.InvalidLogin:
            print("badlogin: InvalidLogin")
        else:
            raise AssertionError("a wrong password was accepted")

    si = SmartConnect(**kw)
    content = si.RetrieveContent()
    print("connect:", content.about.apiType, content.about.productLineId, content.about.apiVersion)
    assert content.sessionManager.currentSession.userName == user

    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    if "list" in steps:
        # One retrieval of config and runtime for every VM through the view.
        tspec = vmodl.query.PropertyCollector.TraversalSpec(
            name="traverseEntities", path="view", skip=False, type=vim.view.ContainerView)
        ospec = vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[tspec])
        pspec = vmodl.query.PropertyCollector.PropertySpec(
            type=vim.VirtualMachine, pathSet=["name", "config", "runtime"])
        fspec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[ospec], propSet=[pspec])
        result = content.propertyCollector.RetrieveContents([fspec])
        assert result, "no VMs"
        for oc in result:
            props = {p.name: p.val for p in oc.propSet}
            assert isinstance(props["config"], vim.vm.ConfigInfo), type(props["config"])
            assert isinstance(props["runtime"], vim.vm.RuntimeInfo)
            print("list:", props["name"], props["runtime"].powerState,
                  props["config"].hardware.memoryMB, props["config"].hardware.numCPU,
                  len(props["config"].hardware.device))
        assert len(view.view) == len(result), (len(view.view), len(result))

    vm = None
    if vm_name:
        vm = next(v for v in view.view if v.name == vm_name)

    if "power" in steps:
        if vm.runtime.powerState != "poweredOn":
            WaitForTask(vm.PowerOnVM_Task())
        assert vm.runtime.powerState == "poweredOn"
        task = vm.PowerOffVM_Task()
        WaitForTask(task)
        assert task.info.state == "success", task.info.state
        assert vm.runtime.powerState == "poweredOff"
        try:
            WaitForTask(vm.PowerOffVM_Task())
        except vim.fault.InvalidPowerState:
            print("power: InvalidPowerState on a second power-off")
        else:
            raise AssertionError("powering off a powered-off VM succeeded")
        WaitForTask(vm.PowerOnVM_Task())
        assert vm.runtime.powerState == "poweredOn"
        print("power:", vm.name, "off and on")
        WaitForTask(vm.PowerOffVM_Task())

    if "reconfig" in steps:
        before = vm.config.hardware.memoryMB
        target = before * 2
        WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(memoryMB=target)))
        assert vm.config.hardware.memoryMB == target, vm.config.hardware.memoryMB
        print("reconfig: memoryMB", before, "->", target)

    if "snapshot" in steps:
        mem = vm.config.hardware.memoryMB
        WaitForTask(vm.CreateSnapshot_Task(name="pysnap", description="by pyVmomi",
                                           memory=False, quiesce=False))
        snap = vm.snapshot.currentSnapshot
        assert vm.snapshot.rootSnapshotList[-1].name == "pysnap" or any(
            s.name == "pysnap" for s in vm.snapshot.rootSnapshotList)
        WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(memoryMB=mem + 512)))
        assert vm.config.hardware.memoryMB == mem + 512
        WaitForTask(snap.RevertToSnapshot_Task())
        assert vm.config.hardware.memoryMB == mem, vm.config.hardware.memoryMB
        print("snapshot: created pysnap, reverted memoryMB to", mem)

    view.DestroyView()

    if "expire" in steps:
        # The server ends every session; the next call is a typed NotAuthenticated fault.
        import ssl
        import urllib.error
        import urllib.request
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        # The control endpoints take the simulator's user and password (HTTP basic).
        import base64
        url = "%s://%s:%s/esxsim/sessions/expire" % (protocol, host, port)
        https_ctx = ctx if protocol == "https" else None
        try:
            urllib.request.urlopen(
                urllib.request.Request(url, method="POST"), context=https_ctx).read()
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.code
        else:
            raise AssertionError("the control endpoint worked without credentials")
        basic = base64.b64encode(("%s:%s" % (user, pwd)).encode()).decode()
        req = urllib.request.Request(
            url, method="POST", headers={"Authorization": "Basic " + basic})
        urllib.request.urlopen(req, context=https_ctx).read()
        try:
            content.rootFolder.name
        except vim.fault.NotAuthenticated:
            print("expire: NotAuthenticated")
        else:
            raise AssertionError("an expired session still worked")
        print("done")
        return

    Disconnect(si)
    print("done")


if __name__ == "__main__":
    main()
