//! `<controller>`: the buses disks hang off (IDE, SCSI with its VMware models, SATA, floppy).

use crate::string_enum;

string_enum! {
    /// `<controller type=...>`.
    pub enum ControllerType {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Sata = "sata",
        VirtioSerial = "virtio-serial",
        Ccid = "ccid",
        Usb = "usb",
        Pci = "pci",
        Xenbus = "xenbus",
        Isa = "isa",
    }
}

string_enum! {
    /// `model=` of a SCSI controller. VMware uses `buslogic`, `lsilogic`, `lsisas1068` and
    /// `vmpvscsi` (paravirtual); the rest exist for other hypervisors and are accepted so that
    /// the converter can report them as unsupported rather than the parser failing.
    pub enum ScsiModel {
        Auto = "auto",
        Buslogic = "buslogic",
        Lsilogic = "lsilogic",
        Lsisas1068 = "lsisas1068",
        Vmpvscsi = "vmpvscsi",
        Ibmvscsi = "ibmvscsi",
        VirtioScsi = "virtio-scsi",
        Lsisas1078 = "lsisas1078",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
        Ncr53c90 = "ncr53c90",
        Am53c974 = "am53c974",
        Dc390 = "dc390",
    }
}

/// A controller's `model=`: typed for SCSI (the only kind VMware distinguishes), kept as text
/// for other controller types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerModel {
    Scsi(ScsiModel),
    Other(String),
}

impl ControllerModel {
    /// The XML spelling.
    pub fn as_str(&self) -> &str {
        match self {
            ControllerModel::Scsi(m) => m.as_str(),
            ControllerModel::Other(s) => s,
        }
    }
}

/// One `<controller type= index= model=/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub controller_type: ControllerType,
    /// `index=` — VMware: the `scsiN` / `ideN` / `sataN` number.
    pub index: u32,
    pub model: Option<ControllerModel>,
}

impl Controller {
    /// A controller of `controller_type` with `index` and no model.
    pub fn new(controller_type: ControllerType, index: u32) -> Self {
        Controller {
            controller_type,
            index,
            model: None,
        }
    }

    /// The SCSI model, if this is a SCSI controller with one.
    pub fn scsi_model(&self) -> Option<ScsiModel> {
        match &self.model {
            Some(ControllerModel::Scsi(m)) => Some(*m),
            _ => None,
        }
    }
}
