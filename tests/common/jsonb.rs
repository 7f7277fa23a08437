//! PostgreSQL's jsonb text in Rust, for checking that `payload::text` (what the
//! audit chain hashes) is what a payload written through serde_json becomes.

use std::fmt::Write as _;

use serde_json::Value;

/// PostgreSQL's text form of the jsonb that `value` becomes when bound as a
/// parameter: object keys sorted by byte length, then bytes; `", "` and `": "`
/// separators; strings escaped like PostgreSQL's `escape_json`; numbers as
/// `numeric` prints them (plain decimal notation, no exponent, `-0` as `0`).
pub fn jsonb_text(value: &Value) -> String {
    let mut out = String::new();
    write_jsonb(&mut out, value);
    out
}

fn write_jsonb(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&numeric_text(&n.to_string())),
        Value::String(s) => write_jsonb_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| {
                a.len()
                    .cmp(&b.len())
                    .then_with(|| a.as_bytes().cmp(b.as_bytes()))
            });
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb_string(out, key);
                out.push_str(": ");
                write_jsonb(out, item);
            }
            out.push('}');
        }
    }
}

/// PostgreSQL's `escape_json`: the two-character escapes for `\b \f \n \r \t " \`,
/// `\u00xx` (lowercase hex) for other control characters, everything else verbatim.
fn write_jsonb_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON number token as PostgreSQL's `numeric` reads and prints it: the value in
/// plain decimal notation with `max(0, fraction digits − exponent)` decimals, no
/// leading zeros, and zero never negative (`1e2` → `100`, `1.5e-7` → `0.00000015`,
/// `-0.0` → `0.0`).
pub fn numeric_text(token: &str) -> String {
    let (negative, unsigned) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token.strip_prefix('+').unwrap_or(token)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            &unsigned[..at],
            unsigned[at + 1..].parse::<i64>().unwrap_or(0),
        ),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int_part}{frac_part}");
    // value = digits × 10^(exponent − frac_len); printed with `scale` decimals.
    let shift = exponent - frac_part.len() as i64;
    let scale = (-shift).max(0) as usize;
    let mut all = digits;
    if shift > 0 {
        all.extend(std::iter::repeat_n('0', shift as usize));
    }
    // Split `all` into integer and fraction with `scale` fraction digits.
    if all.len() <= scale {
        let pad = scale + 1 - all.len();
        all.insert_str(0, &"0".repeat(pad));
    }
    let split = all.len() - scale;
    let (int_digits, frac_digits) = all.split_at(split);
    let int_digits = int_digits.trim_start_matches('0');
    let int_digits = if int_digits.is_empty() {
        "0"
    } else {
        int_digits
    };
    let is_zero = int_digits == "0" && frac_digits.bytes().all(|b| b == b'0');
    let mut out = String::new();
    if negative && !is_zero {
        out.push('-');
    }
    out.push_str(int_digits);
    if scale > 0 {
        out.push('.');
        out.push_str(frac_digits);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_print_like_numeric() {
        for (token, expected) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0.0"),
            ("1.50", "1.50"),
            ("1e100", &format!("1{}", "0".repeat(100))),
            ("1.5e-7", "0.00000015"),
            ("1E+2", "100"),
            ("1.0e2", "100"),
            ("1.23e1", "12.3"),
            ("100.0", "100.0"),
            ("-1.5E-2", "-0.015"),
            ("12345678901234567890123", "12345678901234567890123"),
            ("5e-324", &format!("0.{}5", "0".repeat(323))),
            (
                "1.7976931348623157e308",
                &format!("17976931348623157{}", "0".repeat(292)),
            ),
        ] {
            assert_eq!(numeric_text(token), expected, "{token}");
        }
    }

    #[test]
    fn jsonb_text_sorts_keys_by_length_then_bytes() {
        let value = json!({"bb": 1, "a": 2, "ccc": [1, 2, {"z": null, "y": true}], "B": "x", "é": 0, "ab": -1.5});
        assert_eq!(
            jsonb_text(&value),
            r#"{"B": "x", "a": 2, "ab": -1.5, "bb": 1, "é": 0, "ccc": [1, 2, {"y": true, "z": null}]}"#
        );
        assert_eq!(
            jsonb_text(&json!("a\u{1}\u{7f}\"\\/\n")),
            "\"a\\u0001\u{7f}\\\"\\\\/\\n\""
        );
        assert_eq!(jsonb_text(&json!({})), "{}");
        assert_eq!(jsonb_text(&json!([])), "[]");
    }
}
