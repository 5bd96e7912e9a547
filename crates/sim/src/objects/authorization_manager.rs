//! `AuthorizationManager`: the system roles (NoAccess, Anonymous, View, ReadOnly, Admin)
//! with their privileges, and the one permission every server starts with: the
//! administrator's Admin role on the root folder, propagating.

use crate::fault::Fault;
use crate::inventory::{ServerKind, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::common::{description, split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `AuthorizationManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "AuthorizationManager",
    ids: Ids::Service("authorizationManager"),
    properties: &["privilegeList", "roleList", "description"],
    property,
    methods: &[
        ("RetrieveAllPermissions", all_permissions),
        ("RetrieveEntityPermissions", all_permissions),
        ("RetrieveRolePermissions", role_permissions),
        ("HasPrivilegeOnEntity", has_privilege),
        ("HasPrivilegeOnEntities", has_privilege_on_entities),
        ("FetchUserPrivilegeOnEntities", fetch_user_privileges),
    ],
};

/// Privileges: id, group.
const PRIVILEGES: &[(&str, &str)] = &[
    ("System.Anonymous", "System"),
    ("System.View", "System"),
    ("System.Read", "System"),
    ("Global.ManageCustomFields", "Global"),
    ("Global.SetCustomField", "Global"),
    ("Datastore.Browse", "Datastore"),
    ("Datastore.FileManagement", "Datastore"),
    ("Folder.Create", "Folder"),
    ("Folder.Delete", "Folder"),
    ("Host.Config.Maintenance", "Host"),
    ("Resource.AssignVMToPool", "Resource"),
    ("VirtualMachine.Interact.PowerOn", "VirtualMachine"),
    ("VirtualMachine.Interact.PowerOff", "VirtualMachine"),
    ("VirtualMachine.Inventory.Create", "VirtualMachine"),
    ("VirtualMachine.Inventory.Delete", "VirtualMachine"),
    ("VirtualMachine.Config.Settings", "VirtualMachine"),
];

/// The system roles: id, name, label, privileges (`None`: all of them).
const ROLES: &[(i32, &str, &str, Option<&[&str]>)] = &[
    (-5, "NoAccess", "No access", Some(&[])),
    (-4, "Anonymous", "Anonymous", Some(&["System.Anonymous"])),
    (
        -3,
        "View",
        "View",
        Some(&["System.Anonymous", "System.View"]),
    ),
    (
        -2,
        "ReadOnly",
        "Read-only",
        Some(&["System.Anonymous", "System.View", "System.Read"]),
    ),
    (-1, "Admin", "Administrator", None),
];

fn property(_w: &World, _id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "privilegeList" => Some(Value::array(
            "AuthorizationPrivilege",
            PRIVILEGES
                .iter()
                .map(|(id, group)| {
                    let name = id.rsplit('.').next().unwrap_or(id);
                    Value::obj("AuthorizationPrivilege")
                        .with("privId", Value::str(*id))
                        .with("onParent", Value::bool(false))
                        .with("name", Value::str(name))
                        .with("privGroupName", Value::str(*group))
                })
                .collect(),
        )),
        "roleList" => Some(Value::array(
            "AuthorizationRole",
            ROLES
                .iter()
                .map(|(id, name, label, privs)| {
                    let privs: Vec<&str> = match privs {
                        Some(p) => p.to_vec(),
                        None => PRIVILEGES.iter().map(|(p, _)| *p).collect(),
                    };
                    Value::obj("AuthorizationRole")
                        .with("roleId", Value::int(*id))
                        .with("system", Value::bool(true))
                        .with("name", Value::str(*name))
                        .with("info", description(label, label))
                        .with("privilege", Value::strings(privs))
                })
                .collect(),
        )),
        "description" => Some(
            Value::obj("AuthorizationDescription")
                .with("privilege", Value::array("ElementDescription", Vec::new()))
                .with(
                    "privilegeGroup",
                    Value::array("ElementDescription", Vec::new()),
                ),
        ),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// The administrator's permission on the root folder.
fn admin_permission(w: &World) -> Value {
    let principal = match w.kind {
        ServerKind::Esx => "root",
        ServerKind::Vcenter => "VSPHERE.LOCAL\\Administrator",
    };
    Value::obj("Permission")
        .with("entity", Value::moref("Folder", w.root_folder.clone()))
        .with("principal", Value::str(principal))
        .with("group", Value::bool(false))
        .with("roleId", Value::int(-1))
        .with("propagate", Value::bool(true))
}

/// `RetrieveAllPermissions` / `RetrieveEntityPermissions`: the administrator's permission
/// (inherited by every entity).
fn all_permissions(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    if let Some(e) = call.args.moref_of("entity")? {
        if w.type_of(&e.value).is_none() {
            return Err(Fault::not_found(&e));
        }
        let inherited = call.args.bool_of("inherited")?.unwrap_or(false);
        if !inherited && e.value != w.root_folder {
            return Ok(Some(Value::array("Permission", Vec::new())));
        }
    }
    Ok(Some(Value::array("Permission", vec![admin_permission(w)])))
}

/// `RetrieveRolePermissions`: the administrator's permission for Admin, none otherwise.
fn role_permissions(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let id = call
        .args
        .i32_of("roleId")?
        .ok_or_else(|| Fault::missing_argument("roleId"))?;
    if !ROLES.iter().any(|(r, ..)| *r == id) {
        return Err(Fault::not_found_named(format!("role {id} not found")));
    }
    let perms = if id == -1 {
        vec![admin_permission(w)]
    } else {
        Vec::new()
    };
    Ok(Some(Value::array("Permission", perms)))
}

/// `HasPrivilegeOnEntity`: the logged-in administrator holds every privilege.
fn has_privilege(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let e: MoRef = call.args.req_moref("entity")?;
    if w.type_of(&e.value).is_none() {
        return Err(Fault::not_found(&e));
    }
    let n = call.args.children_named("privId").count();
    Ok(Some(Value::array("boolean", vec![Value::bool(true); n])))
}

/// `HasPrivilegeOnEntities`: every privilege on every entity.
fn has_privilege_on_entities(_w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let privs = call.args.strings_of("privId");
    let out = call
        .args
        .children_named("entity")
        .filter_map(|e| e.as_moref())
        .map(|e| {
            Value::obj("EntityPrivilege")
                .with("entity", Value::MoRef(e))
                .with(
                    "privAvailability",
                    Value::array(
                        "PrivilegeAvailability",
                        privs
                            .iter()
                            .map(|p| {
                                Value::obj("PrivilegeAvailability")
                                    .with("privId", Value::str(p))
                                    .with("isGranted", Value::bool(true))
                            })
                            .collect(),
                    ),
                )
        })
        .collect();
    Ok(Some(Value::array("EntityPrivilege", out)))
}

/// `FetchUserPrivilegeOnEntities`: all privileges on each entity.
fn fetch_user_privileges(_w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let out = call
        .args
        .children_named("entities")
        .filter_map(|e| e.as_moref())
        .map(|e| {
            Value::obj("UserPrivilegeResult")
                .with("entity", Value::MoRef(e))
                .with(
                    "privileges",
                    Value::strings(PRIVILEGES.iter().map(|(p, _)| *p)),
                )
        })
        .collect();
    Ok(Some(Value::array("UserPrivilegeResult", out)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn roles_and_permissions() {
        let mut t = TestWorld::esx();
        let id = "ha-authmgr";
        let roles = t.get("AuthorizationManager", id, "roleList");
        let names: Vec<Value> = roles
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.path("name").cloned().unwrap())
            .collect();
        assert!(names.contains(&Value::str("Admin")) && names.contains(&Value::str("ReadOnly")));
        let all = t
            .call("AuthorizationManager", id, "RetrieveAllPermissions", "")
            .unwrap()
            .unwrap();
        assert_eq!(
            all.as_array().unwrap()[0].path("principal"),
            Some(&Value::str("root"))
        );
        assert_eq!(
            fault_type(t.call(
                "AuthorizationManager",
                id,
                "RetrieveRolePermissions",
                "<roleId>7</roleId>"
            )),
            "NotFound"
        );
        let has = t
            .call(
                "AuthorizationManager",
                id,
                "HasPrivilegeOnEntity",
                "<entity type=\"Folder\">ha-folder-root</entity><sessionId>x</sessionId><privId>System.Read</privId>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(has, Value::array("boolean", vec![Value::bool(true)]));
    }
}
