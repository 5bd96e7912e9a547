//! Fuzz target: the XML models besides the domain (snapshot, network, storage pool, storage
//! volume, host interface, capabilities). The first byte picks the model, the rest is the
//! document. No parser may panic; whatever one accepts must format to XML that it reads back
//! and formats identically (from the second round on; networks: the modes an ESX switch has).
#![no_main]

use esxvirt_xml::capabilities::Capabilities;
use esxvirt_xml::interface::Interface;
use esxvirt_xml::network::{ForwardMode, Network};
use esxvirt_xml::snapshot::DomainSnapshot;
use esxvirt_xml::storage::{PoolType, StoragePool, StorageVolume};
use esxvirt_xml::XmlError;
use libfuzzer_sys::fuzz_target;

/// Parse, format, and read the output back twice: the second and third outputs must agree.
/// (The first may differ once: as libvirt, the writers copy tabs and newlines into
/// attribute values raw, which an XML reader turns into spaces.)
fn round_trip<T>(
    xml: &str,
    parse: impl Fn(&str) -> Result<T, XmlError>,
    format: impl Fn(&T) -> String,
) {
    let Ok(first) = parse(xml) else { return };
    let reread = |out: &str| match parse(out) {
        Ok(v) => format(&v),
        Err(e) => panic!("formatted XML must parse: {e}\n{out}"),
    };
    let second = reread(&format(&first));
    assert_eq!(reread(&second), second, "formatting must be stable");
}

/// A network with a forward mode a switch has (none or bridge), else an error.
fn switch_network(xml: &str) -> Result<Network, XmlError> {
    let n = Network::from_xml(xml)?;
    match n.forward_mode {
        ForwardMode::None | ForwardMode::Bridge => Ok(n),
        other => Err(XmlError::Invalid(format!("forward mode {other}"))),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(xml) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 7 {
        0 => round_trip(xml, DomainSnapshot::from_xml, DomainSnapshot::to_xml),
        // The network model keeps what an ESX switch has (no `<ip>`): a NAT, route or open
        // network, which needs an address, does not read back, and the driver refuses those
        // modes before anything. The switch's modes must round-trip.
        1 => round_trip(xml, switch_network, Network::to_xml),
        2 => round_trip(xml, StoragePool::from_xml, StoragePool::to_xml),
        3 => round_trip(xml, StorageVolume::from_xml, StorageVolume::to_xml),
        4 => round_trip(
            xml,
            |x| StorageVolume::from_xml_for_pool(x, PoolType::Fs),
            StorageVolume::to_xml,
        ),
        5 => round_trip(xml, Interface::from_xml, Interface::to_xml),
        _ => round_trip(xml, Capabilities::from_xml, Capabilities::to_xml),
    }
});
