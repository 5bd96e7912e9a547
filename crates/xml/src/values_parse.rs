//! Reading typed values out of [`Element`]s with error messages that name the element or
//! attribute and say what was expected — shared by every document parser in this crate.

use crate::dom::Element;
use crate::enums::XmlKeyword;
use crate::error::XmlError;

/// `<name>` — how an element is named in messages.
pub fn el_what(el: &Element) -> String {
    format!("<{}>", el.name)
}

/// `attribute 'x' of <name>` — how an attribute is named in messages.
pub fn attr_what(el: &Element, attr: &str) -> String {
    format!("attribute '{attr}' of <{}>", el.name)
}

/// The first child called `name`, as libvirt's XPath `./name[1]` finds it.
pub fn first_child<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    el.children.iter().find(|c| c.name == name)
}

/// libvirt's XPath `string(...)` of an element: its text, with an empty text read as absent.
pub fn xpath_text(el: Option<&Element>) -> Option<&str> {
    el.map(|e| e.text.as_str()).filter(|t| !t.is_empty())
}

/// An attribute as libvirt reads it through XPath `string(./x/@a)`: empty reads as absent.
pub fn xpath_attr<'a>(el: Option<&'a Element>, name: &str) -> Option<&'a str> {
    el.and_then(|e| e.attr(name)).filter(|v| !v.is_empty())
}

/// Leading blanks C's `strtol` family skips.
fn skip_c_space(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r'])
}

/// Parses an unsigned decimal integer the way libvirt's converters do (`strtoull` with the
/// whole string consumed): leading blanks and a `+` are accepted, a sign `-`, trailing blanks
/// or any other trailing text are not, nor is overflow.
pub fn parse_unsigned<T>(what: &str, s: &str) -> Result<T, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    let t = skip_c_space(s);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(XmlError::invalid(what, s, "expected an unsigned integer"));
    }
    digits.parse::<T>().map_err(|_| {
        XmlError::invalid(
            what,
            s,
            format!(
                "expected an unsigned integer no larger than {}",
                T::max_text()
            ),
        )
    })
}

/// Parses a signed decimal integer as libvirt does (leading blanks, optional sign, nothing
/// after the digits).
pub fn parse_signed<T>(what: &str, s: &str) -> Result<T, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    let t = skip_c_space(s);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(XmlError::invalid(what, s, "expected an integer"));
    }
    let text = if neg {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    text.parse::<T>().map_err(|_| {
        XmlError::invalid(
            what,
            s,
            format!("expected an integer no larger than {}", T::max_text()),
        )
    })
}

/// C's `strtoul`/`strtoull` in base 10 over the whole string, as libvirt's `virStrToLong_*p`
/// functions use it: leading blanks and one sign are accepted, digits must follow and end
/// the string; `negative` says whether the sign was `-` (the `p` variants refuse that).
/// `None` when there are no digits, something follows them, or the value overflows.
pub fn c_strtoull(s: &str) -> Option<(u64, bool)> {
    let t = skip_c_space(s);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().map(|v| (v, negative))
}

/// libvirt's `virStrToLong_uip`: an unsigned decimal `int` without a minus sign.
pub fn c_uint(s: &str) -> Option<u32> {
    match c_strtoull(s)? {
        (v, false) => u32::try_from(v).ok(),
        (_, true) => None,
    }
}

/// libvirt's `virStrToLong_i`: a signed decimal `int`.
pub fn c_int(s: &str) -> Option<i32> {
    let (v, negative) = c_strtoull(s)?;
    let v = i64::try_from(v).ok()?;
    i32::try_from(if negative { -v } else { v }).ok()
}

/// libvirt's message for an attribute its reader requires (`virXMLPropStringRequired` and
/// the `virXMLProp*` helpers with `VIR_XML_PROP_REQUIRED`).
pub fn prop_missing(el: &Element, name: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Missing required attribute '{name}' in element '{}'",
        el.local_name()
    ))
}

/// libvirt's message for a keyword attribute it does not know (`virXMLPropEnum`).
pub fn prop_invalid(el: &Element, name: &str, value: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{}': '{value}'.",
        el.local_name()
    ))
}

/// A required string attribute, refused with libvirt's message when absent.
pub fn prop_required<'a>(el: &'a Element, name: &str) -> Result<&'a str, XmlError> {
    el.attr(name).ok_or_else(|| prop_missing(el, name))
}

/// A keyword attribute as libvirt's `virXMLPropEnum` reads it (absent: `None`).
pub fn prop_enum<E: XmlKeyword>(el: &Element, name: &str) -> Result<Option<E>, XmlError> {
    el.attr(name)
        .map(|v| E::from_keyword(v).ok_or_else(|| prop_invalid(el, name, v)))
        .transpose()
}

/// A required keyword attribute (`virXMLPropEnum` with `VIR_XML_PROP_REQUIRED`).
pub fn prop_enum_req<E: XmlKeyword>(el: &Element, name: &str) -> Result<E, XmlError> {
    prop_enum(el, name)?.ok_or_else(|| prop_missing(el, name))
}

/// A `yes`/`no` attribute as libvirt's `virXMLPropTristateBool` reads it.
pub fn prop_yes_no(el: &Element, name: &str) -> Result<Option<bool>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(prop_invalid(el, name, v)),
    }
}

/// An unsigned attribute as libvirt's `virXMLPropUInt` reads it (base 10); `nonzero`
/// refuses 0 as `VIR_XML_PROP_NONZERO` does.
pub fn prop_uint(el: &Element, name: &str, nonzero: bool) -> Result<Option<u32>, XmlError> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = c_uint(v).ok_or_else(|| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
            el.local_name()
        ))
    })?;
    if nonzero && n == 0 {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
            el.local_name()
        )));
    }
    Ok(Some(n))
}

/// A signed attribute as libvirt's `virXMLPropInt` reads it (base 10); `nonnegative`
/// refuses values below 0 as `VIR_XML_PROP_NONNEGATIVE` does.
pub fn prop_int(el: &Element, name: &str, nonnegative: bool) -> Result<Option<i32>, XmlError> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = c_int(v).ok_or_else(|| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected integer value",
            el.local_name()
        ))
    })?;
    if nonnegative && n < 0 {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative value",
            el.local_name()
        )));
    }
    Ok(Some(n))
}

/// Integer types with a printable maximum (for error messages).
pub trait Bounded {
    fn max_text() -> String;
}
macro_rules! bounded {
    ($($t:ty),*) => { $(impl Bounded for $t { fn max_text() -> String { <$t>::MAX.to_string() } })* };
}
bounded!(u8, u16, u32, u64, i32, i64);

/// Optional unsigned attribute.
pub fn attr_unsigned<T>(el: &Element, name: &str) -> Result<Option<T>, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    el.attr(name)
        .map(|v| parse_unsigned(&attr_what(el, name), v))
        .transpose()
}

/// Optional signed attribute.
pub fn attr_signed<T>(el: &Element, name: &str) -> Result<Option<T>, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    el.attr(name)
        .map(|v| parse_signed(&attr_what(el, name), v))
        .transpose()
}

/// Optional keyword attribute.
pub fn attr_enum<E: XmlKeyword>(el: &Element, name: &str) -> Result<Option<E>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) => E::from_keyword(v)
            .map(Some)
            .ok_or_else(|| XmlError::invalid(attr_what(el, name), v, E::expected_keywords())),
    }
}

/// Required keyword attribute.
pub fn attr_enum_req<E: XmlKeyword>(el: &Element, name: &str) -> Result<E, XmlError> {
    attr_enum(el, name)?.ok_or_else(|| XmlError::missing(attr_what(el, name)))
}

/// Required string attribute.
pub fn attr_req<'a>(el: &'a Element, name: &str) -> Result<&'a str, XmlError> {
    el.attr(name)
        .ok_or_else(|| XmlError::missing(attr_what(el, name)))
}

/// Optional `yes`/`no` attribute.
pub fn attr_yes_no(el: &Element, name: &str) -> Result<Option<bool>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(XmlError::invalid(
            attr_what(el, name),
            v,
            "expected 'yes' or 'no'",
        )),
    }
}

/// Text of an element as a keyword.
pub fn text_enum<E: XmlKeyword>(el: &Element) -> Result<E, XmlError> {
    E::from_keyword(&el.text)
        .ok_or_else(|| XmlError::invalid(el_what(el), &el.text, E::expected_keywords()))
}

/// A scaled size (`<memory unit='MiB'>4</memory>`) converted to KiB as libvirt does: the unit
/// is `b`/`byte`/`bytes`, or a letter `k m g t p e` (any case) alone or followed by `iB`
/// (powers of 1024) or `B` (powers of 1000); no unit means KiB. The byte count must stay
/// below 2^63 and is rounded up to whole KiB.
pub fn scaled_kib(el: &Element, default_unit: &str) -> Result<u64, XmlError> {
    const MAX_BYTES: u64 = i64::MAX as u64;
    let what = el_what(el);
    let n: u64 = parse_unsigned(&what, &el.text)?;
    let unit = el
        .attr("unit")
        .filter(|u| !u.is_empty())
        .unwrap_or(default_unit);
    let scale = unit_scale(unit).ok_or_else(|| {
        XmlError::invalid(
            attr_what(el, "unit"),
            unit,
            "expected a unit like 'b', 'KiB', 'MiB', 'GiB', 'TiB', 'KB', 'MB', 'GB'",
        )
    })?;
    let too_large = || {
        XmlError::invalid(
            &what,
            format!("{} {unit}", el.text.trim()),
            "size too large (at most 8 EiB)",
        )
    };
    if n != 0 && n > MAX_BYTES / scale {
        return Err(too_large());
    }
    let kib = (n * scale).div_ceil(1024);
    if kib >= MAX_BYTES.div_ceil(1024) {
        return Err(too_large());
    }
    Ok(kib)
}

/// Bytes per unit for libvirt's unit suffixes (see [`scaled_kib`]).
pub fn unit_scale(unit: &str) -> Option<u64> {
    if ["b", "byte", "bytes"]
        .iter()
        .any(|u| u.eq_ignore_ascii_case(unit))
    {
        return Some(1);
    }
    let mut chars = unit.chars();
    let first = chars.next()?.to_ascii_lowercase();
    let rest = chars.as_str();
    let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("iB") {
        1024
    } else if rest.eq_ignore_ascii_case("b") {
        1000
    } else {
        return None;
    };
    let power = match first {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    Some(base.pow(power))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(text: &str, unit: Option<&str>) -> Element {
        Element {
            name: "memory".into(),
            attrs: unit
                .map(|u| vec![("unit".to_string(), u.to_string())])
                .unwrap_or_default(),
            children: vec![],
            text: text.into(),
        }
    }

    #[test]
    fn scaled_sizes() {
        assert_eq!(scaled_kib(&el("4", Some("MiB")), "KiB").unwrap(), 4096);
        assert_eq!(scaled_kib(&el("1025", Some("b")), "KiB").unwrap(), 2);
        assert_eq!(scaled_kib(&el("32768", None), "KiB").unwrap(), 32768);
        assert!(scaled_kib(&el("abc", None), "KiB")
            .unwrap_err()
            .to_string()
            .contains("invalid value 'abc' for <memory>: expected an unsigned integer"));
        assert!(scaled_kib(&el("99999999999999999999", None), "KiB").is_err());
        assert!(scaled_kib(&el("9999999999999999", Some("GiB")), "KiB").is_err());
        assert!(scaled_kib(&el("1", Some("parsec")), "KiB").is_err());
        assert_eq!(scaled_kib(&el("1", Some("kb")), "KiB").unwrap(), 1);
        assert_eq!(scaled_kib(&el("2048", Some("KB")), "KiB").unwrap(), 2000);
        assert_eq!(scaled_kib(&el("1", Some("mib")), "KiB").unwrap(), 1024);
        assert_eq!(scaled_kib(&el("1", Some("G")), "KiB").unwrap(), 1 << 20);
        assert_eq!(scaled_kib(&el("3", Some("")), "KiB").unwrap(), 3);
        assert!(scaled_kib(&el("8", Some("EiB")), "KiB").is_err());
        assert!(scaled_kib(&el("1", Some("kiB2")), "KiB").is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(parse_unsigned::<u32>("x", " \n42").unwrap(), 42);
        assert_eq!(parse_unsigned::<u32>("x", "+42").unwrap(), 42);
        assert!(parse_unsigned::<u32>("x", "42 ").is_err());
        assert!(parse_unsigned::<u32>("x", "0x10").is_err());
        assert!(parse_unsigned::<u32>("x", "-1").is_err());
        assert!(parse_unsigned::<u32>("x", "4294967296").is_err());
        assert_eq!(parse_signed::<i32>("x", "-1").unwrap(), -1);
        assert!(parse_signed::<i32>("x", "--1").is_err());
        assert_eq!(parse_signed::<i32>("x", " +7").unwrap(), 7);
        assert_eq!(parse_signed::<i32>("x", "-2147483648").unwrap(), i32::MIN);
    }
}
