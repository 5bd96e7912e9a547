//! Networks: a host virtual switch with its port groups (`virNetwork*`), as libvirt's ESX
//! driver presents them. The host's network configuration is read through the connection's
//! object cache (a lookup reads it afresh); defining and undefining drop the host's entry.

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{host_system as host, network as net};
use esxvirt_vi::{
    AnyHostVirtualSwitchBridge, HostNetworkPolicy, HostNetworkTrafficShapingPolicy, HostPortGroup,
    HostPortGroupSpec, HostVirtualSwitch, HostVirtualSwitchBondBridge, HostVirtualSwitchSpec,
    ManagedObjectReference, PhysicalNic,
};
use esxvirt_xml::network::{
    Bandwidth, ForwardMode, Network as XmlNetwork, PortGroup, ShapingPolicy,
};

use crate::connection::engine::{Change, Landed, Props};
use crate::connection::Connection;
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::uuid::{format_uuid, parse_uuid};

/// A network of the host: a HostVirtualSwitch, named after the switch; its UUID is the MD5 of
/// the switch key, as libvirt's ESX driver derives it.
#[derive(Debug, Clone)]
pub struct Network<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
}

/// The host properties a network's state is read from.
const NET_HOST_PATHS: &[&str] = &[
    host::CONFIG_NETWORK_VSWITCH.path(),
    host::CONFIG_NETWORK_PORTGROUP.path(),
    host::CONFIG_NETWORK_PNIC.path(),
    host::CONFIG_MANAGER_NETWORK_SYSTEM.path(),
    host::NETWORK.path(),
];

/// The host's network configuration: switches, port groups, NICs, Network entity names and
/// the network system, from one retrieval.
#[derive(Debug)]
pub(crate) struct NetState {
    pub switches: Vec<HostVirtualSwitch>,
    pub portgroups: Vec<HostPortGroup>,
    pub pnics: Vec<PhysicalNic>,
    pub network_names: Vec<String>,
    pub network_system: Option<ManagedObjectReference>,
}

impl NetState {
    /// The virtual switch named `name`.
    fn switch(&self, name: &str) -> Option<&HostVirtualSwitch> {
        self.switches.iter().find(|s| s.name == name)
    }

    /// The physical NIC with key `key`.
    fn pnic(&self, key: &str) -> Option<&PhysicalNic> {
        self.pnics.iter().find(|n| n.key.as_deref() == Some(key))
    }

    /// The port group with key `key`.
    fn portgroup(&self, key: &str) -> Option<&HostPortGroup> {
        self.portgroups
            .iter()
            .find(|p| p.key.as_deref() == Some(key))
    }

    /// Whether switch `name` exists with (at least) port groups `pg_names`.
    fn has_switch_with(&self, name: &str, pg_names: &[&str]) -> bool {
        self.switch(name).is_some()
            && pg_names.iter().all(|pg| {
                self.portgroups
                    .iter()
                    .any(|p| p.spec.name == *pg && p.spec.vswitch_name == name)
            })
    }

    /// The state from the host's [`NET_HOST_PATHS`] and its Network entities' names.
    fn of(h: &Props, network_names: Vec<String>) -> NetState {
        NetState {
            switches: h.get(host::CONFIG_NETWORK_VSWITCH).unwrap_or_default(),
            portgroups: h.get(host::CONFIG_NETWORK_PORTGROUP).unwrap_or_default(),
            pnics: h.get(host::CONFIG_NETWORK_PNIC).unwrap_or_default(),
            network_names,
            network_system: h.get(host::CONFIG_MANAGER_NETWORK_SYSTEM),
        }
    }
}

fn shaping(p: &Option<HostNetworkPolicy>) -> Option<Bandwidth> {
    let sp = p.as_ref()?.shaping_policy.as_ref()?;
    if sp.enabled != Some(true) {
        return None;
    }
    Some(Bandwidth::from_shaping(&ShapingPolicy {
        average_bps: sp.average_bandwidth,
        peak_bps: sp.peak_bandwidth,
        burst_bytes: sp.burst_size,
    }))
}

fn to_policy(s: Option<ShapingPolicy>) -> Option<HostNetworkPolicy> {
    let s = s?;
    Some(HostNetworkPolicy {
        shaping_policy: Some(HostNetworkTrafficShapingPolicy {
            enabled: Some(true),
            average_bandwidth: s.average_bps,
            peak_bandwidth: s.peak_bps,
            burst_size: s.burst_bytes,
        }),
        ..Default::default()
    })
}

impl Connection {
    /// The host's network state read afresh (one retrieval), with the Network entities'
    /// names when `with_names`.
    pub(crate) fn net_state(&self, with_names: bool) -> Result<NetState> {
        let spec = if with_names {
            self.engine.host_filter_with(
                NET_HOST_PATHS,
                vec![traverse("hostNetworks", host::NETWORK, &[])],
                &["hostNetworks"],
                vec![property_spec(net::TYPE, &[net::NAME.path()])],
            )?
        } else {
            self.engine.host_filter(NET_HOST_PATHS)?
        };
        let (h, networks) = self.engine.retrieve_host_and(spec, "network state")?;
        let names = networks.iter().filter_map(|o| o.get(net::NAME)).collect();
        Ok(NetState::of(&h, names))
    }

    /// The host's network state with the Network names from the object cache when it has
    /// them all (no request), else read afresh.
    fn cached_net_state(&self, reader: &'static str) -> Result<NetState> {
        let objects = &self.engine.objects;
        let cached = self.engine.known_host().and_then(|h| {
            let p = objects.read(&h, NET_HOST_PATHS, reader)?;
            let names = p
                .get(host::NETWORK)
                .unwrap_or_default()
                .iter()
                .map(|n| objects.read(n, &[net::NAME.path()], reader)?.get(net::NAME))
                .collect::<Option<Vec<String>>>()?;
            Some(NetState::of(&p, names))
        });
        match cached {
            Some(state) => Ok(state),
            None => self.net_state(true),
        }
    }

    /// Drops what the connection knows of the host's networks: they changed.
    fn networks_changed(&self) {
        if let Some(h) = self.engine.known_host() {
            self.engine.objects.invalidate(&h);
        }
    }

    fn network_of(&self, sw: &HostVirtualSwitch) -> Network<'_> {
        Network {
            conn: self,
            name: sw.name.clone(),
            uuid: crate::md5::md5(sw.key.as_bytes()),
        }
    }

    /// Every network (virtual switch) matching `flags` (`virConnectListAllNetworks`): all are
    /// active, persistent and autostarted.
    pub fn list_all_networks(&self, flags: u32) -> Result<Vec<Network<'_>>> {
        use crate::flags::list_networks as f;
        check_flags(flags, (1 << 6) - 1, "esxConnectListAllNetworks")?;
        if (flags & (f::ACTIVE | f::INACTIVE) == f::INACTIVE)
            || (flags & (f::PERSISTENT | f::TRANSIENT) == f::TRANSIENT)
            || (flags & (f::AUTOSTART | f::NO_AUTOSTART) == f::NO_AUTOSTART)
        {
            return Ok(Vec::new());
        }
        let state = self.net_state(false)?;
        Ok(state.switches.iter().map(|s| self.network_of(s)).collect())
    }

    /// Names of the active networks (`virConnectListNetworks`).
    pub fn list_networks(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_networks(0)?
            .into_iter()
            .map(|n| n.name)
            .collect())
    }

    /// Always empty: ESX networks are always active (`virConnectListDefinedNetworks`).
    pub fn list_defined_networks(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// The network with this name (`virNetworkLookupByName`).
    pub fn network_lookup_by_name(&self, name: &str) -> Result<Network<'_>> {
        let state = self.net_state(true)?;
        state
            .switch(name)
            .map(|s| self.network_of(s))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoNetwork,
                    format!("Could not find HostVirtualSwitch with name '{name}'"),
                )
            })
    }

    /// The network with this UUID string (`virNetworkLookupByUUIDString`).
    pub fn network_lookup_by_uuid_string(&self, uuid: &str) -> Result<Network<'_>> {
        let u = parse_uuid(uuid).ok_or_else(|| {
            Error::invalid_arg(format!("Could not parse UUID from string '{uuid}'"))
        })?;
        let state = self.net_state(true)?;
        state
            .switches
            .iter()
            .map(|s| self.network_of(s))
            .find(|n| n.uuid == u)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoNetwork,
                    format!(
                        "Could not find HostVirtualSwitch with UUID '{}'",
                        format_uuid(&u)
                    ),
                )
            })
    }

    /// Defines a network: a virtual switch with its port groups (`virNetworkDefineXMLFlags`).
    pub fn network_define_xml(&self, xml: &str, flags: u32) -> Result<Network<'_>> {
        check_flags(flags, 1, "esxNetworkDefineXMLFlags")?;
        self.check_writable()?;
        let def = XmlNetwork::from_xml(xml).map_err(crate::error::xml_err)?;
        let state = self.net_state(false)?;
        if state.switch(&def.name).is_some() {
            return Err(Error::internal(
                "HostVirtualSwitch already exists, editing existing ones is not supported yet",
            ));
        }
        def.esx_define_precheck()
            .map_err(|m| Error::new(ErrorCode::ConfigUnsupported, m))?;
        for pg in &def.portgroups {
            if state.portgroups.iter().any(|p| p.spec.name == pg.name) {
                return Err(Error::new(
                    ErrorCode::NetworkExist,
                    format!("HostPortGroup with name '{}' exists already", pg.name),
                ));
            }
        }
        let mut spec = HostVirtualSwitchSpec {
            num_ports: 128,
            ..Default::default()
        };
        if def.forward_mode != ForwardMode::None && !def.forward_interfaces.is_empty() {
            let mut keys = Vec::new();
            for dev in &def.forward_interfaces {
                let nic = state
                    .pnics
                    .iter()
                    .find(|n| &n.device == dev)
                    .ok_or_else(|| {
                        Error::internal(format!("Could not find PhysicalNic with name '{dev}'"))
                    })?;
                keys.push(nic.key.clone().unwrap_or_else(|| nic.device.clone()));
            }
            spec.bridge = Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(
                HostVirtualSwitchBondBridge {
                    nic_device: keys,
                    ..Default::default()
                },
            ));
        }
        if let Some(b) = &def.bandwidth {
            spec.policy = to_policy(
                b.to_shaping()
                    .map_err(|m| Error::new(ErrorCode::ConfigUnsupported, m))?,
            );
        }
        let mut pg_specs = Vec::new();
        for pg in &def.portgroups {
            let shaping = match &pg.bandwidth {
                Some(b) => b
                    .to_shaping()
                    .map_err(|m| Error::new(ErrorCode::ConfigUnsupported, m))?,
                None => None,
            };
            pg_specs.push(HostPortGroupSpec {
                name: pg.name.clone(),
                vlan_id: 0,
                vswitch_name: def.name.clone(),
                policy: to_policy(shaping).unwrap_or_default(),
            });
        }
        let ns = state
            .network_system
            .ok_or_else(|| Error::internal("Could not find the host's network system"))?;
        let name = &def.name;
        self.networks_changed();
        let (ns, spec, pg_specs) = (&ns, &spec, &pg_specs);
        let pg_names: Vec<&str> = pg_specs.iter().map(|p| p.name.as_str()).collect();
        // Defined means the switch with every port group; one refused half-way is removed
        // again (its port groups first), so no half-defined network stays behind.
        let change = Change::new(
            format!("defining network '{name}'"),
            format!("net-info {name}"),
        )
        .check(|| {
            self.networks_changed();
            let state = self.net_state(false)?;
            Ok(if state.has_switch_with(name, &pg_names) {
                Landed::Yes
            } else {
                Landed::No
            })
        })
        .undo(|| {
            self.networks_changed();
            let state = self.net_state(false)?;
            if state.switch(name).is_none() {
                return Ok(());
            }
            let made: Vec<String> = state
                .portgroups
                .iter()
                .filter(|p| &p.spec.vswitch_name == name)
                .map(|p| p.spec.name.clone())
                .collect();
            self.remove_switch(ns, name, &made)
        });
        self.engine.change(&change, |c, p| async move {
            p.send(&c, || c.add_virtual_switch(ns, name, Some(spec)))
                .await?;
            for pg in pg_specs {
                p.send(&c, || c.add_port_group(ns, pg)).await?;
            }
            Ok(())
        })?;
        self.networks_changed();
        self.network_lookup_by_name(&def.name)
    }

    /// Removes switch `name` after its port groups `pg_names` (`virNetworkUndefine`, and
    /// the undoing of a half-made definition), as one change.
    fn remove_switch(
        &self,
        ns: &ManagedObjectReference,
        name: &str,
        pg_names: &[String],
    ) -> Result<()> {
        self.networks_changed();
        let change =
            Change::new(format!("undefining network '{name}'"), "net-list --all").check(|| {
                self.networks_changed();
                let state = self.net_state(false)?;
                Ok(if state.switch(name).is_some() {
                    Landed::No
                } else {
                    Landed::Yes
                })
            });
        let r = self.engine.change(&change, |c, p| async move {
            for pg in pg_names {
                p.send(&c, || c.remove_port_group(ns, pg)).await?;
            }
            p.send(&c, || c.remove_virtual_switch(ns, name)).await
        });
        self.networks_changed();
        r
    }
}

impl<'c> Network<'c> {
    /// The name (`virNetworkGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID (`virNetworkGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        format_uuid(&self.uuid)
    }

    /// The connection.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    fn not_found(&self) -> Error {
        Error::new(
            ErrorCode::NoNetwork,
            format!("Could not find HostVirtualSwitch with name '{}'", self.name),
        )
    }

    /// This network's switch in `state`.
    fn switch_in<'s>(&self, state: &'s NetState) -> Result<&'s HostVirtualSwitch> {
        state.switch(&self.name).ok_or_else(|| self.not_found())
    }

    /// The network XML (`virNetworkGetXMLDesc`): bridge forwarding over the switch's uplinks,
    /// port groups that have a network, traffic shaping as bandwidth.
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 1, "esxNetworkGetXMLDesc")?;
        let state = self.conn.cached_net_state("virNetworkGetXMLDesc")?;
        let sw = self.switch_in(&state)?;
        let mut def = XmlNetwork::new(sw.name.clone(), self.get_uuid_string());
        if !sw.pnic.is_empty() {
            def.forward_mode = ForwardMode::Bridge;
            for key in &sw.pnic {
                let nic = state.pnic(key).ok_or_else(|| {
                    Error::internal(format!("Could not find PhysicalNic with key '{key}'"))
                })?;
                def.forward_interfaces.push(nic.device.clone());
            }
        }
        for key in &sw.portgroup {
            let pg = state.portgroup(key).ok_or_else(|| {
                Error::internal(format!("Could not find HostPortGroup with key '{key}'"))
            })?;
            if state.network_names.contains(&pg.spec.name) {
                def.portgroups.push(PortGroup {
                    name: pg.spec.name.clone(),
                    is_default: false,
                    bandwidth: shaping(&Some(pg.spec.policy.clone())),
                });
            }
        }
        def.bandwidth = shaping(&sw.spec.policy);
        Ok(def.to_xml())
    }

    /// Removes the port groups and the virtual switch (`virNetworkUndefine`); refused when a
    /// port other than a VM's is connected.
    pub fn undefine(&self) -> Result<()> {
        self.conn.check_writable()?;
        let state = self.conn.net_state(false)?;
        let sw = self.switch_in(&state)?;
        let mut pg_names = Vec::new();
        for key in &sw.portgroup {
            let pg = state.portgroup(key).ok_or_else(|| {
                Error::internal(format!("Could not find HostPortGroup for key '{key}'"))
            })?;
            if let Some(port) = pg.port.iter().find(|p| p.type_ != "virtualMachine") {
                return Err(Error::operation_invalid(format!(
                    "Cannot undefine HostVirtualSwitch that has a '{}' port",
                    port.type_
                )));
            }
            pg_names.push(pg.spec.name.clone());
        }
        let ns = state
            .network_system
            .ok_or_else(|| Error::internal("Could not find the host's network system"))?;
        self.conn.remove_switch(&ns, &self.name, &pg_names)
    }

    /// Always true: a virtual switch is always active (`virNetworkGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        Ok(true)
    }

    /// Only enabling is accepted (`virNetworkSetAutostart`).
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        if !autostart {
            return Err(Error::internal("Cannot deactivate network autostart"));
        }
        Ok(())
    }

    /// Always true (`virNetworkIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always true (`virNetworkIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// `virNetworkGetBridgeName`: not supported by libvirt's ESX driver.
    pub fn get_bridge_name(&self) -> Result<String> {
        Err(Error::no_support("virNetworkGetBridgeName"))
    }
}
