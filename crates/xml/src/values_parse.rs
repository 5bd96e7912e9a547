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

/// Parses an unsigned integer the way libvirt's strict converters do: optional surrounding
/// blanks, decimal digits only, no overflow.
pub fn parse_unsigned<T>(what: &str, s: &str) -> Result<T, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(XmlError::invalid(what, s, "expected an unsigned integer"));
    }
    t.parse::<T>().map_err(|_| {
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

/// Parses a signed integer (decimal, optional sign).
pub fn parse_signed<T>(what: &str, s: &str) -> Result<T, XmlError>
where
    T: std::str::FromStr + std::fmt::Display + Bounded,
{
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(XmlError::invalid(what, s, "expected an integer"));
    }
    t.parse::<T>().map_err(|_| {
        XmlError::invalid(
            what,
            s,
            format!("expected an integer no larger than {}", T::max_text()),
        )
    })
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
    E::from_keyword(el.text.trim())
        .ok_or_else(|| XmlError::invalid(el_what(el), &el.text, E::expected_keywords()))
}

/// A scaled size (`<memory unit='MiB'>4</memory>`) converted to KiB, rounding up like
/// libvirt. `default_unit` applies when there is no `unit` attribute.
pub fn scaled_kib(el: &Element, default_unit: &str) -> Result<u64, XmlError> {
    let what = el_what(el);
    let n: u64 = parse_unsigned(&what, &el.text)?;
    let unit = el.attr("unit").unwrap_or(default_unit);
    let scale: u64 = match unit {
        "b" | "byte" | "bytes" => 1,
        "KB" => 1_000,
        "k" | "K" | "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "m" | "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "g" | "G" | "GiB" => 1 << 30,
        "TB" => 1_000_000_000_000,
        "t" | "T" | "TiB" => 1 << 40,
        "PB" => 1_000_000_000_000_000,
        "p" | "P" | "PiB" => 1 << 50,
        "EB" => 1_000_000_000_000_000_000,
        "e" | "E" | "EiB" => 1 << 60,
        other => {
            return Err(XmlError::invalid(
                attr_what(el, "unit"),
                other,
                "expected a unit like 'b', 'KiB', 'MiB', 'GiB', 'TiB', 'KB', 'MB', 'GB'",
            ))
        }
    };
    // libvirt caps sizes at LLONG_MAX bytes.
    let bytes = n
        .checked_mul(scale)
        .filter(|b| *b <= i64::MAX as u64)
        .ok_or_else(|| {
            XmlError::invalid(
                &what,
                format!("{} {unit}", el.text.trim()),
                "size too large (at most 8 EiB)",
            )
        })?;
    Ok(bytes.div_ceil(1024))
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
    }

    #[test]
    fn integers() {
        assert_eq!(parse_unsigned::<u32>("x", " 42 ").unwrap(), 42);
        assert!(parse_unsigned::<u32>("x", "-1").is_err());
        assert!(parse_unsigned::<u32>("x", "4294967296").is_err());
        assert_eq!(parse_signed::<i32>("x", "-1").unwrap(), -1);
        assert!(parse_signed::<i32>("x", "--1").is_err());
    }
}
