//! Human durations — `90s`, `15m`, `2h`, `7d`, `1h30m`, `2w` — as operators type them
//! for `audit tail --since`, `export prune --older-than`, `export url --expires` and
//! the `link_ttl` setting, parsed in one place so they all accept the same spellings.

use std::time::Duration;

/// Parses `<number><unit>` parts (units s, m, h, d, w) into their sum; `None` when
/// the text is not such a duration or overflows.
pub(crate) fn parse_duration(value: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut digits = String::new();
    let mut parts = 0;
    for c in value.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 60 * 60,
            'd' => 24 * 60 * 60,
            'w' => 7 * 24 * 60 * 60,
            _ => return None,
        };
        total = total.checked_add(Duration::from_secs(n.checked_mul(unit)?))?;
        parts += 1;
    }
    if parts == 0 || !digits.is_empty() {
        return None;
    }
    Some(total)
}

/// A duration in the largest unit that divides it (`7d`, `90m`, `45s`), the form the
/// parser reads back.
pub(crate) fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    // Days at most, as the docs write them (`link_ttl` 7d, `run_retention` 30d):
    // `1w` read as a different value than the documented default.
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs > 0 && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_sums() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("2w"), Some(Duration::from_secs(1_209_600)));
        assert_eq!(
            parse_duration(" 30d "),
            Some(Duration::from_secs(2_592_000))
        );
        for bad in ["", "7", "d", "7x", "1.5h", "-1d", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_in_the_largest_whole_unit() {
        assert_eq!(format_duration(Duration::from_secs(604_800)), "7d");
        assert_eq!(format_duration(Duration::from_secs(86_400 * 3)), "3d");
        assert_eq!(format_duration(Duration::from_secs(5400)), "90m");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }
}
