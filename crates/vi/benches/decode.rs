//! Decoding a large RetrievePropertiesEx response (generated here, >= 10 MB: VMs with name,
//! power state, full config with devices, guest info and summary) into typed values.
//! Run: `cargo bench -p esxvirt-vi --bench decode`; criterion reports the throughput.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use esxvirt_vi::soap::{decode_response, encode_response, Response};
use esxvirt_vi::*;

fn disk(key: i32, unit: i32, file: String) -> AnyVirtualDevice {
    VirtualDisk {
        base: VirtualDevice {
            key,
            device_info: Some(
                Description {
                    label: format!("Hard disk {}", unit + 1),
                    summary: "16,777,216 KB".into(),
                }
                .into(),
            ),
            backing: Some(
                VirtualDiskFlatVer2BackingInfo {
                    base: VirtualDeviceFileBackingInfo {
                        file_name: file,
                        datastore: Some(ManagedObjectReference::new("Datastore", "datastore-11")),
                        ..Default::default()
                    },
                    disk_mode: "persistent".into(),
                    thin_provisioned: Some(true),
                    uuid: Some("6000C29a-1b2c-3d4e-5f60-718293a4b5c6".into()),
                    ..Default::default()
                }
                .into(),
            ),
            controller_key: Some(1000),
            unit_number: Some(unit),
            ..Default::default()
        },
        capacity_in_kb: 16777216,
        capacity_in_bytes: Some(17179869184),
        shares: Some(SharesInfo {
            shares: 1000,
            level: SharesLevel::Normal,
        }),
        ..Default::default()
    }
    .into()
}

fn nic(key: i32, mac: String) -> AnyVirtualDevice {
    VirtualVmxnet3 {
        base: VirtualVmxnet {
            base: VirtualEthernetCard {
                base: VirtualDevice {
                    key,
                    device_info: Some(
                        Description {
                            label: "Network adapter 1".into(),
                            summary: "VM Network".into(),
                        }
                        .into(),
                    ),
                    backing: Some(
                        VirtualEthernetCardNetworkBackingInfo {
                            base: VirtualDeviceDeviceBackingInfo {
                                device_name: "VM Network".into(),
                                use_auto_detect: Some(false),
                                ..Default::default()
                            },
                            network: Some(ManagedObjectReference::new("Network", "network-7")),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    connectable: Some(VirtualDeviceConnectInfo {
                        start_connected: true,
                        allow_guest_control: true,
                        connected: true,
                        status: Some("ok".into()),
                        ..Default::default()
                    }),
                    controller_key: Some(100),
                    unit_number: Some(7),
                    ..Default::default()
                },
                address_type: Some("assigned".into()),
                mac_address: Some(mac),
                wake_on_lan_enabled: Some(true),
                ..Default::default()
            },
        },
        ..Default::default()
    }
    .into()
}

fn controller(key: i32, bus: i32, label: &str) -> AnyVirtualDevice {
    ParaVirtualSCSIController {
        base: VirtualSCSIController {
            base: VirtualController {
                base: VirtualDevice {
                    key,
                    device_info: Some(
                        Description {
                            label: label.into(),
                            summary: "VMware paravirtual SCSI".into(),
                        }
                        .into(),
                    ),
                    controller_key: Some(100),
                    unit_number: Some(3),
                    ..Default::default()
                },
                bus_number: bus,
                device: vec![2000, 2001],
            },
            hot_add_remove: Some(true),
            shared_bus: VirtualSCSISharing::NoSharing,
            scsi_ctlr_unit_number: Some(7),
        },
    }
    .into()
}

fn vm(i: usize) -> ObjectContent {
    let name = format!("vm-{i:05} <prod & test>");
    let devices = vec![
        VirtualIDEController {
            base: VirtualController {
                base: VirtualDevice {
                    key: 200,
                    device_info: Some(
                        Description {
                            label: "IDE 0".into(),
                            summary: "IDE 0".into(),
                        }
                        .into(),
                    ),
                    ..Default::default()
                },
                bus_number: 0,
                device: vec![3000],
            },
        }
        .into(),
        controller(1000, 0, "SCSI controller 0"),
        disk(2000, 0, format!("[datastore1] {name}/{name}.vmdk")),
        disk(2001, 1, format!("[datastore1] {name}/{name}_1.vmdk")),
        VirtualCdrom {
            base: VirtualDevice {
                key: 3000,
                backing: Some(
                    VirtualCdromIsoBackingInfo {
                        base: VirtualDeviceFileBackingInfo {
                            file_name: "[datastore1] iso/debian-12.iso".into(),
                            ..Default::default()
                        },
                    }
                    .into(),
                ),
                controller_key: Some(200),
                unit_number: Some(0),
                ..Default::default()
            },
        }
        .into(),
        nic(
            4000,
            format!("00:50:56:{:02x}:{:02x}:{:02x}", i % 256, (i / 256) % 256, 7),
        ),
        VirtualMachineVideoCard {
            base: VirtualDevice {
                key: 500,
                ..Default::default()
            },
            video_ram_size_in_kb: Some(4096),
            num_displays: Some(1),
            ..Default::default()
        }
        .into(),
    ];
    let config = VirtualMachineConfigInfo {
        change_version: "2026-11-25T10:00:00.000000Z".into(),
        modified: "1970-01-01T00:00:00Z".into(),
        name: name.clone(),
        guest_full_name: "Debian GNU/Linux 12 (64-bit)".into(),
        version: "vmx-19".into(),
        uuid: format!("42{:06x}-aaaa-bbbb-cccc-0123456789ab", i),
        instance_uuid: Some(format!("50{:06x}-aaaa-bbbb-cccc-0123456789ab", i)),
        template: false,
        guest_id: "debian12_64Guest".into(),
        annotation: Some("owner: team \"infra\"; created by tooling".into()),
        files: VirtualMachineFileInfo {
            vm_path_name: Some(format!("[datastore1] {name}/{name}.vmx")),
            snapshot_directory: Some(format!("[datastore1] {name}/")),
            log_directory: Some(format!("[datastore1] {name}/")),
            ..Default::default()
        },
        hardware: VirtualHardware {
            num_cpu: 4,
            num_cores_per_socket: Some(2),
            memory_mb: 8192,
            device: devices,
            ..Default::default()
        },
        cpu_allocation: Some(ResourceAllocationInfo {
            reservation: Some(0),
            limit: Some(-1),
            shares: Some(SharesInfo {
                shares: 4000,
                level: SharesLevel::Normal,
            }),
            ..Default::default()
        }),
        memory_allocation: Some(ResourceAllocationInfo {
            reservation: Some(1024),
            limit: Some(-1),
            shares: Some(SharesInfo {
                shares: 81920,
                level: SharesLevel::Normal,
            }),
            ..Default::default()
        }),
        extra_config: (0..6)
            .map(|k| {
                OptionValue {
                    key: format!("guestinfo.key{k}"),
                    value: Some(Value::String(format!("value {k} for {name}"))),
                }
                .into()
            })
            .collect(),
        ..Default::default()
    };
    let guest = GuestInfo {
        tools_status: Some(VirtualMachineToolsStatus::ToolsOk),
        tools_running_status: Some("guestToolsRunning".into()),
        guest_id: Some("debian12_64Guest".into()),
        host_name: Some(format!("host{i}.example.com")),
        ip_address: Some(format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)),
        net: vec![GuestNicInfo {
            network: Some("VM Network".into()),
            ip_address: vec![
                format!("10.0.{}.{}", (i / 256) % 256, i % 256),
                "fe80::250:56ff:fe00:1".into(),
            ],
            mac_address: Some("00:50:56:00:00:01".into()),
            connected: true,
            device_config_id: 4000,
            ..Default::default()
        }],
        guest_state: "running".into(),
        ..Default::default()
    };
    let runtime = VirtualMachineRuntimeInfo {
        host: Some(ManagedObjectReference::new("HostSystem", "host-21")),
        connection_state: VirtualMachineConnectionState::Connected,
        power_state: VirtualMachinePowerState::PoweredOn,
        boot_time: Some("2026-11-25T09:00:00Z".into()),
        max_cpu_usage: Some(9576),
        max_memory_usage: Some(8192),
        ..Default::default()
    };
    let prop = |name: &str, val: Value| DynamicProperty {
        name: name.into(),
        val,
    };
    ObjectContent {
        obj: ManagedObjectReference::new("VirtualMachine", format!("vm-{}", 1000 + i)),
        prop_set: vec![
            prop("name", Value::String(name.clone())),
            prop(
                "runtime.powerState",
                Value::VirtualMachinePowerState(VirtualMachinePowerState::PoweredOn),
            ),
            prop("config", config.into()),
            prop("guest", guest.into()),
            prop("runtime", runtime.into()),
            prop(
                "datastore",
                Value::ArrayOfManagedObjectReference(vec![ManagedObjectReference::new(
                    "Datastore",
                    "datastore-11",
                )]),
            ),
        ],
        missing_set: vec![],
    }
}

fn response(min_bytes: usize) -> (String, usize) {
    let one = encode_response(
        "RetrievePropertiesEx",
        &[RetrieveResult {
            token: None,
            objects: vec![vm(0)],
        }],
    )
    .len();
    let n = min_bytes / one * 11 / 10 + 1;
    let objects = (0..n).map(vm).collect();
    (
        encode_response(
            "RetrievePropertiesEx",
            &[RetrieveResult {
                token: None,
                objects,
            }],
        ),
        n,
    )
}

fn decode(c: &mut Criterion) {
    let (xml, n) = response(10 << 20);
    // Sanity: the typed decode sees every VM and its devices.
    let Response::Values(v) =
        decode_response::<RetrieveResult>(xml.as_bytes(), "RetrievePropertiesEx").unwrap()
    else {
        panic!("fault")
    };
    assert_eq!(v[0].objects.len(), n);
    eprintln!("response: {} bytes, {n} VMs", xml.len());
    // ESXVIRT_DECODE_ITERS=N: decode N times, counting only this thread's CPU time spent
    // decoding (from /proc/thread-self/schedstat), so the figure does not depend on how
    // busy the machine is; freeing the values is left out, as in the criterion run.
    if let Some(iters) = std::env::var("ESXVIRT_DECODE_ITERS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let cpu_ns = || -> u64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
                .unwrap_or(0)
        };
        // ESXVIRT_DECODE_RAW=1: only read every quick-xml event (no typed decoding), for scale.
        let raw = std::env::var_os("ESXVIRT_DECODE_RAW").is_some();
        let mut spent = 0u64;
        for _ in 0..iters {
            if raw {
                let t0 = cpu_ns();
                let mut r = quick_xml::Reader::from_reader(xml.as_bytes());
                let mut n = 0u64;
                loop {
                    match r.read_event() {
                        Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                        Ok(e) => n += std::hint::black_box(&e).len() as u64,
                    }
                }
                std::hint::black_box(n);
                spent += cpu_ns() - t0;
                continue;
            }
            let t0 = cpu_ns();
            let r = decode_response::<RetrieveResult>(
                std::hint::black_box(xml.as_bytes()),
                "RetrievePropertiesEx",
            )
            .unwrap();
            spent += cpu_ns() - t0;
            drop(std::hint::black_box(r));
        }
        let mbps = (iters * xml.len() as u64) as f64 / (spent as f64 / 1e9) / 1e6;
        eprintln!(
            "decoded {iters} x {} bytes in {:.1} ms CPU: {mbps:.0} MB/s",
            xml.len(),
            spent as f64 / 1e6
        );
        std::process::exit(0);
    }
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.sample_size(20);
    g.bench_function("RetrievePropertiesEx_10MB", |b| {
        // Freeing the decoded values is not decoding: drop them outside the measurement.
        b.iter_with_large_drop(|| {
            decode_response::<RetrieveResult>(
                std::hint::black_box(xml.as_bytes()),
                "RetrievePropertiesEx",
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
