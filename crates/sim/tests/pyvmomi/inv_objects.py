"""pyVmomi reads every property of every inventory object esxsim serves, and drives the
managers (network, storage, autostart, datastore browser, file and disk managers, search
index, performance manager). pyVmomi decodes strictly by VI type, so this checks that every
value has a type and shape pyVmomi knows.

Usage: inv_objects.py PROTOCOL HOST PORT USER PASSWORD
Prints one line per check; exits non-zero (with a traceback) on the first failure.
"""
import sys

from pyVim.connect import SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

TYPES = [vim.Folder, vim.Datacenter, vim.ComputeResource, vim.ResourcePool, vim.HostSystem,
         vim.Datastore, vim.Network, vim.VirtualMachine]


def all_properties(content, types):
    view = content.viewManager.CreateContainerView(content.rootFolder, types, True)
    tspec = vmodl.query.PropertyCollector.TraversalSpec(
        name="v", path="view", skip=False, type=vim.view.ContainerView)
    ospec = vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[tspec])
    pspecs = [vmodl.query.PropertyCollector.PropertySpec(type=t, all=True) for t in types]
    fspec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[ospec], propSet=pspecs)
    return content.propertyCollector.RetrieveContents([fspec])


def main():
    protocol, host, port, user, pwd = sys.argv[1:6]
    kw = dict(protocol=protocol, host=host, port=int(port), user=user, pwd=pwd)
    if protocol == "https":
        kw["disableSslCertValidation"] = True
    si = SmartConnect(**kw)
    content = si.RetrieveContent()
    vcenter = content.about.apiType == "VirtualCenter"

    result = all_properties(content, TYPES)
    counts = {}
    for oc in result:
        kind = type(oc.obj).__name__
        counts[kind] = counts.get(kind, 0) + 1
        assert oc.propSet, kind
        for p in oc.propSet:
            str(p.val)  # forces every nested value to be a known pyVmomi type
    print("all-properties:", ",".join(f"{k}={v}" for k, v in sorted(counts.items())))

    host = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True).view[0]
    cm = host.configManager
    net = cm.networkSystem
    print("network:", [s.name for s in net.networkInfo.vswitch], [p.spec.name for p in net.networkInfo.portgroup])
    net.AddVirtualSwitch(vswitchName="vSwitchPy", spec=vim.host.VirtualSwitch.Specification(numPorts=64))
    net.AddPortGroup(portgrp=vim.host.PortGroup.Specification(
        name="PyGroup", vlanId=7, vswitchName="vSwitchPy", policy=vim.host.NetworkPolicy()))
    assert any(p.spec.name == "PyGroup" and p.spec.vlanId == 7 for p in net.networkInfo.portgroup)
    try:
        net.AddVirtualSwitch(vswitchName="vSwitchPy", spec=vim.host.VirtualSwitch.Specification(numPorts=64))
    except vim.fault.AlreadyExists:
        print("network: AlreadyExists")
    else:
        raise AssertionError("duplicate vswitch accepted")
    net.RemovePortGroup(pgName="PyGroup")
    net.RemoveVirtualSwitch(vswitchName="vSwitchPy")
    assert "vSwitchPy" not in [s.name for s in net.networkInfo.vswitch]

    st = cm.storageSystem
    info = st.storageDeviceInfo
    iscsi = [h for h in info.hostBusAdapter if isinstance(h, vim.host.InternetScsiHba)]
    print("storage:", [h.device for h in info.hostBusAdapter], iscsi[0].iScsiName,
          [t.iScsiName for t in iscsi[0].configuredStaticTarget], len(info.scsiLun))
    st.RescanHba(hbaDevice=iscsi[0].device)
    st.RescanAllHba()
    st.RefreshStorageSystem()
    str(st.fileSystemVolumeInfo)

    vms = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True).view
    mine = [v for v in vms if v.runtime.host == host]
    asm = cm.autoStartManager
    asm.ReconfigureAutostart(spec=vim.host.AutoStartManager.Config(
        defaults=vim.host.AutoStartManager.SystemDefaults(enabled=True, startDelay=30),
        powerInfo=[vim.host.AutoStartManager.AutoPowerInfo(
            key=mine[0], startOrder=1, startDelay=-1, waitForHeartbeat="systemDefault",
            startAction="powerOn", stopDelay=-1, stopAction="systemDefault")]))
    cfg = asm.config
    assert cfg.defaults.enabled and cfg.powerInfo[0].key == mine[0]
    print("autostart:", cfg.defaults.startDelay, cfg.powerInfo[0].startAction)

    dc = content.rootFolder.childEntity[0]
    ds = host.datastore[0]
    dsname = ds.summary.name
    fm = content.fileManager
    vdm = content.virtualDiskManager
    fm.MakeDirectory(name=f"[{dsname}] pydir", datacenter=dc, createParentDirectories=True)
    WaitForTask(vdm.CreateVirtualDisk_Task(name=f"[{dsname}] pydir/a.vmdk", datacenter=dc,
                                      spec=vim.VirtualDiskManager.FileBackedVirtualDiskSpec(
                                          diskType="thin", adapterType="lsiLogic", capacityKb=1024)))
    uuid = vdm.QueryVirtualDiskUuid(name=f"[{dsname}] pydir/a.vmdk", datacenter=dc)
    WaitForTask(vdm.CopyVirtualDisk_Task(sourceName=f"[{dsname}] pydir/a.vmdk", sourceDatacenter=dc,
                                    destName=f"[{dsname}] pydir/b.vmdk", destDatacenter=dc))
    spec = vim.host.DatastoreBrowser.SearchSpec(query=[vim.host.DatastoreBrowser.VmDiskQuery(),
                                                       vim.host.DatastoreBrowser.FolderQuery()],
                                                details=vim.host.DatastoreBrowser.FileInfo.Details(fileSize=True, fileType=True))
    t = ds.browser.SearchDatastore_Task(datastorePath=f"[{dsname}] pydir", searchSpec=spec)
    WaitForTask(t)
    files = sorted(f.path for f in t.info.result.file)
    assert files == ["a.vmdk", "b.vmdk"], files
    t = ds.browser.SearchDatastoreSubFolders_Task(datastorePath=f"[{dsname}]", searchSpec=spec)
    WaitForTask(t)
    folders = [r.folderPath for r in t.info.result]
    print("browser:", files, len(folders), "folders", uuid)
    WaitForTask(vdm.ZeroFillVirtualDisk_Task(name=f"[{dsname}] pydir/b.vmdk", datacenter=dc))
    WaitForTask(vdm.DeleteVirtualDisk_Task(name=f"[{dsname}] pydir/b.vmdk", datacenter=dc))
    WaitForTask(fm.CopyDatastoreFile_Task(sourceName=f"[{dsname}] pydir", destinationName=f"[{dsname}] pydir2"))
    WaitForTask(fm.MoveDatastoreFile_Task(sourceName=f"[{dsname}] pydir2", destinationName=f"[{dsname}] pydir3"))
    WaitForTask(fm.DeleteDatastoreFile_Task(name=f"[{dsname}] pydir3"))
    WaitForTask(fm.DeleteDatastoreFile_Task(name=f"[{dsname}] pydir"))
    try:
        WaitForTask(fm.DeleteDatastoreFile_Task(name=f"[{dsname}] pydir"))
    except vim.fault.FileNotFound:
        print("files: FileNotFound")
    else:
        raise AssertionError("deleting a missing file succeeded")

    si_ = content.searchIndex
    vm = mine[0]
    assert si_.FindByUuid(uuid=vm.config.uuid, vmSearch=True) == vm
    assert si_.FindByUuid(uuid=vm.config.instanceUuid, vmSearch=True, instanceUuid=True) == vm
    assert si_.FindByDatastorePath(datacenter=dc, path=vm.config.files.vmPathName) == vm
    assert si_.FindChild(entity=dc.vmFolder, name=vm.name) == vm
    path = f"{dc.name}/vm/{vm.name}"
    assert si_.FindByInventoryPath(inventoryPath=path) == vm, path
    running = [v for v in vms if v.runtime.powerState == "poweredOn" and v.guest.ipAddress]
    assert si_.FindByIp(ip=running[0].guest.ipAddress, vmSearch=True) == running[0]
    if vcenter:
        nested = si_.FindByInventoryPath(inventoryPath=f"{dc.name}/vm/Production/app07")
        assert nested is not None and nested.name == "app07" and nested.parent.name == "Production"
        assert si_.FindByInventoryPath(inventoryPath=f"{dc.name}/host/cluster1/esx-02.example.com").name == "esx-02.example.com"
    print("search:", vm.name, path)

    pm = content.perfManager
    counters = {f"{c.groupInfo.key}.{c.nameInfo.key}.{c.rollupType}": c.key for c in pm.perfCounter}
    avail = pm.QueryAvailablePerfMetric(entity=running[0])
    q = vim.PerformanceManager.QuerySpec(entity=running[0], maxSample=3, intervalId=20,
                                         metricId=[vim.PerformanceManager.MetricId(counterId=counters["cpu.usage.average"], instance="")])
    res = pm.QueryPerf(querySpec=[q])
    vals = res[0].value[0].value
    assert len(vals) == 3 and all(v > 0 for v in vals), vals
    print("perf:", len(counters), "counters", len(avail), "available", list(vals))

    # Reconfigure devices: add a disk and a NIC, then remove the NIC.
    target = next(v for v in vms if v.runtime.powerState == "poweredOff" and v.runtime.host == host)
    ctrl = next(d for d in target.config.hardware.device if isinstance(d, vim.vm.device.VirtualSCSIController))
    disk = vim.vm.device.VirtualDisk(controllerKey=ctrl.key, unitNumber=5, capacityInKB=2048,
                                     backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(diskMode="persistent", thinProvisioned=True, fileName=""))
    nic = vim.vm.device.VirtualVmxnet3(backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName="VM Network"),
                                       addressType="manual", macAddress="00:50:56:11:22:33")
    WaitForTask(target.ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation="changed by pyVmomi", deviceChange=[
        vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk),
        vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)])))
    devs = target.config.hardware.device
    new_disk = next(d for d in devs if isinstance(d, vim.vm.device.VirtualDisk) and d.unitNumber == 5 and d.controllerKey == ctrl.key)
    new_nic = next(d for d in devs if isinstance(d, vim.vm.device.VirtualVmxnet3) and d.macAddress == "00:50:56:11:22:33")
    assert target.config.annotation == "changed by pyVmomi"
    WaitForTask(target.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[
        vim.vm.device.VirtualDeviceSpec(operation="remove", device=new_nic)])))
    assert not any(isinstance(d, vim.vm.device.VirtualVmxnet3) and d.macAddress == "00:50:56:11:22:33"
                   for d in target.config.hardware.device)
    print("reconfig-devices:", target.name, new_disk.backing.fileName)

    if vcenter:
        other = next(h for h in host.parent.host if h != host) if len(host.parent.host) > 1 else None
        if other is not None:
            WaitForTask(target.MigrateVM_Task(host=other, priority="defaultPriority"))
            assert target.runtime.host == other
            print("migrate:", target.name, other.name)
    print("ok")


if __name__ == "__main__":
    main()
