//! Human output that fits the terminal: tables whose cells never wrap (columns of
//! less value are left out when the terminal is narrow, payload-like columns are cut
//! to the room left), aligned key/value listings, kubectl-style ages and thousands
//! separators.
//!
//! Why not let comfy-table wrap: it breaks words anywhere, so at 80 columns
//! `completed` became `comple/ted`, ids split mid-way and URLs mid-path — useless to
//! read and to copy. Like kubectl and gh, a row here stays one line, and what does not
//! fit is left out or cut with `…`; the whole picture is `--json` (or a wider
//! terminal) away. Off a terminal (pipes, files) nothing is left out or cut: there is
//! no width to fit, and scripts should see every column.

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::{Attribute, Cell, ColumnConstraint, ContentArrangement, Table, presets};

/// A table column: its header and how much it is worth keeping on a narrow terminal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    /// 0: always shown; otherwise columns are added by ascending rank while they fit.
    pub rank: u8,
    /// Cut to the room left (with `…`) rather than shown whole: payloads, errors.
    pub cut: bool,
}

impl Column {
    /// A column that is always shown and never cut: ids, statuses.
    pub(crate) const fn keep(header: &'static str) -> Column {
        Column {
            header,
            rank: 0,
            cut: false,
        }
    }

    /// A column shown whole when it fits, left out otherwise.
    pub(crate) const fn ranked(header: &'static str, rank: u8) -> Column {
        Column {
            header,
            rank,
            cut: false,
        }
    }

    /// A column shown when at least [`MIN_CUT`] characters of it fit, cut to the room
    /// left.
    pub(crate) const fn cut(header: &'static str, rank: u8) -> Column {
        Column {
            header,
            rank,
            cut: true,
        }
    }
}

/// The narrowest a cut column is worth showing.
pub(crate) const MIN_CUT: usize = 12;

/// Which columns to show and how wide the cut ones may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub shown: Vec<bool>,
    /// For each shown cut column, its maximum width; `None` for whole columns.
    pub cut_to: Vec<Option<usize>>,
}

/// Fits columns of content widths `widths` into `width` characters, where each shown
/// column costs its width plus `sep` and the row `edge` more. Rank-0 columns are
/// always shown (even when they alone overflow: an id is never cut); the others are
/// added by ascending rank (then position) while they fit, so a narrow column of low
/// rank can still use room a wide one left. Cut columns count [`MIN_CUT`] (or less,
/// if their content is shorter) and then share the room left. Without a width,
/// everything is shown whole.
pub(crate) fn plan(
    columns: &[Column],
    widths: &[usize],
    sep: usize,
    edge: usize,
    width: Option<usize>,
) -> Plan {
    let n = columns.len();
    let Some(width) = width else {
        return Plan {
            shown: vec![true; n],
            cut_to: vec![None; n],
        };
    };
    let cost = |i: usize| {
        let w = if columns[i].cut {
            widths[i].min(MIN_CUT)
        } else {
            widths[i]
        };
        w + sep
    };
    let mut shown = vec![false; n];
    let mut used = edge;
    for (i, column) in columns.iter().enumerate() {
        if column.rank == 0 {
            shown[i] = true;
            used += cost(i);
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| columns[i].rank > 0).collect();
    order.sort_by_key(|&i| (columns[i].rank, i));
    for i in order {
        if used + cost(i) <= width {
            shown[i] = true;
            used += cost(i);
        }
    }
    // The room left goes to the cut columns, in rank order, each up to its content.
    let mut left = width.saturating_sub(used);
    let mut cut_to = vec![None; n];
    let mut cuts: Vec<usize> = (0..n).filter(|&i| shown[i] && columns[i].cut).collect();
    cuts.sort_by_key(|&i| (columns[i].rank, i));
    for i in cuts {
        let base = widths[i].min(MIN_CUT);
        let extra = (widths[i] - base).min(left);
        left -= extra;
        cut_to[i] = Some(base + extra);
    }
    Plan { shown, cut_to }
}

/// A table in the house style — kubectl's and gh's: no borders, headers in
/// capitals, columns [`COLUMN_GAP`] spaces apart, nothing after the last column —
/// with `header` in bold when `color` is on. With colors off nothing is styled at
/// all, so no escape sequence reaches stdout even when it is a terminal. Commands
/// print tables through [`table`], which fits them to the terminal.
/// (Box drawing cost three columns per column and two per row: at 80 columns an
/// audit row could not show who acted on which run.)
pub(crate) fn house_table<I, S>(color: bool, header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut table = bare_table(color);
    table.set_header(header.into_iter().map(|name| {
        let cell = Cell::new(name.into());
        if color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    let last = table.column_count().saturating_sub(1);
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { COLUMN_GAP as u16 }));
    }
    table
}

/// Spaces between two table columns.
pub(crate) const COLUMN_GAP: usize = 2;

/// A table without borders or header.
fn bare_table(color: bool) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    if color {
        // comfy-table styles only on a terminal unless told otherwise, and `--color
        // always` means always (e.g. into `less -R`).
        table.enforce_styling();
    }
    table
}

/// A table in the house style (see [`house_table`]) fitted to `width`
/// (`None`: not a terminal, so every column whole). `rows` hold one cell per column.
pub(crate) fn table(
    color: bool,
    width: Option<u16>,
    columns: &[Column],
    rows: Vec<Vec<Cell>>,
) -> Table {
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|cell| text_width(&cell.content()))
                .chain([text_width(columns[i].header)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The house style (`a  b`): each column costs its width plus the gap (the last
    // one's gap is not printed, which leaves that much to spare).
    let plan = plan(columns, &widths, COLUMN_GAP, 0, width.map(usize::from));
    let headers = columns
        .iter()
        .zip(&plan.shown)
        .filter(|(_, shown)| **shown)
        .map(|(c, _)| c.header);
    let mut table = house_table(color, headers);
    for row in rows {
        let cells: Vec<Cell> = row
            .into_iter()
            .enumerate()
            .filter(|(i, _)| plan.shown[*i])
            .map(|(i, cell)| match plan.cut_to[i] {
                Some(max) if text_width(&cell.content()) > max => {
                    Cell::new(cut(&cell.content(), max))
                }
                _ => cell,
            })
            .collect();
        table.add_row(cells);
    }
    // Every column at its content width: nothing wraps. The plan already made the
    // row fit; if the always-shown columns alone are wider, the row overflows rather
    // than splitting an id.
    table
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_constraints(
            (0..plan.shown.iter().filter(|s| **s).count()).map(|_| ColumnConstraint::ContentWidth),
        );
    if let Some(width) = width {
        table.set_width(width);
    }
    table
}

/// `key  value` lines, keys padded to one width, no trailing spaces (values may
/// carry styling).
pub(crate) fn key_values(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| text_width(k)).max().unwrap_or(0);
    rows.iter()
        .map(|(key, value)| {
            let pad = width - text_width(key);
            format!("{key}{}  {value}", " ".repeat(pad))
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The terminal's width when stdout is one, else `None` (comfy-table's detection,
/// which asks the terminal only when stdout is a terminal).
pub(crate) fn terminal_width() -> Option<u16> {
    Table::new().width()
}

/// RFC 3339 UTC to the second, as tables show times.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// How long ago `t` was, as kubectl's AGE column prints it: `45s`, `2m30s`, `12m`,
/// `5h12m`, `20h`, `3d4h`, `40d`, `2y30d`. A time in the future (clock skew) is `0s`:
/// an AGE column only holds past times; [`relative`] says `in …` for the future.
pub(crate) fn age(t: &DateTime<Utc>, now: DateTime<Utc>) -> String {
    span((now - *t).num_seconds().max(0))
}

/// `t` relative to `now` in words: `2m ago` for the past, `in 3d` for the future (a
/// link's expiry, a retry's time), `now` within the same second.
pub(crate) fn relative(t: &DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - *t).num_seconds();
    match secs {
        0 => "now".to_owned(),
        s if s > 0 => format!("{} ago", span(s)),
        s => format!("in {}", span(-s)),
    }
}

/// A span of whole seconds in kubectl's AGE format.
fn span(secs: i64) -> String {
    let (mins, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
    match () {
        _ if secs < 120 => format!("{secs}s"),
        _ if mins < 10 => match secs % 60 {
            0 => format!("{mins}m"),
            s => format!("{mins}m{s}s"),
        },
        _ if hours < 3 => format!("{mins}m"),
        _ if hours < 8 => match mins % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        },
        _ if hours < 48 => format!("{hours}h"),
        _ if hours < 24 * 8 => match hours % 24 {
            0 => format!("{days}d"),
            h => format!("{days}d{h}h"),
        },
        _ if days < 365 * 2 => format!("{days}d"),
        _ if days < 365 * 8 => match days % 365 {
            0 => format!("{}y", days / 365),
            d => format!("{}y{d}d", days / 365),
        },
        _ => format!("{}y", days / 365),
    }
}

/// A count with thousands separators: `200,000`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` cut to at most `max` characters, the last one `…` when anything was cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text_width(text) <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Width in characters (ids, times and escaped payloads are narrow characters).
fn text_width(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_read_like_kubectl() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let ago = |secs: i64| age(&(now - chrono::Duration::seconds(secs)), now);
        assert_eq!(ago(-5), "0s");
        assert_eq!(ago(45), "45s");
        assert_eq!(ago(119), "119s");
        assert_eq!(ago(150), "2m30s");
        assert_eq!(ago(300), "5m");
        assert_eq!(ago(12 * 60), "12m");
        assert_eq!(ago(5 * 3600 + 12 * 60), "5h12m");
        assert_eq!(ago(20 * 3600), "20h");
        assert_eq!(ago(3 * 86_400 + 4 * 3600), "3d4h");
        assert_eq!(ago(40 * 86_400), "40d");
        assert_eq!(ago(3 * 365 * 86_400 + 30 * 86_400), "3y30d");
        // Future times are never "ago": a link valid three more days reads `in 3d`.
        let rel = |secs: i64| relative(&(now - chrono::Duration::seconds(secs)), now);
        assert_eq!(rel(150), "2m30s ago");
        assert_eq!(rel(0), "now");
        assert_eq!(rel(-3 * 86_400), "in 3d");
        assert_eq!(rel(-(3 * 86_400 - 2)), "in 2d23h");
        assert_eq!(rel(-45), "in 45s");
    }

    #[test]
    fn thousands_and_cuts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
        assert_eq!(cut("Zoë's café", 5), "Zoë'…");
    }

    #[test]
    fn key_values_align_without_trailing_spaces() {
        let out = key_values(&[
            ("run id", "run_1".to_owned()),
            ("error", "-".to_owned()),
            ("x", String::new()),
        ]);
        assert_eq!(out, "run id  run_1\nerror   -\nx");
    }

    #[test]
    fn plans_keep_rank_zero_add_by_rank_and_share_the_rest_with_cut_columns() {
        let columns = [
            Column::keep("ID"),
            Column::ranked("WIDE", 3),
            Column::cut("PAYLOAD", 1),
            Column::ranked("NARROW", 4),
        ];
        let widths = [10, 30, 50, 5];
        let all = plan(&columns, &widths, 3, 1, None);
        assert_eq!(all.shown, vec![true; 4]);
        // 1 + 13 (ID) + 15 (PAYLOAD at MIN_CUT) = 29; WIDE (33) does not fit in 40,
        // NARROW (8) does; PAYLOAD gets the 3 left.
        let p = plan(&columns, &widths, 3, 1, Some(40));
        assert_eq!(p.shown, vec![true, false, true, true]);
        assert_eq!(p.cut_to, vec![None, None, Some(MIN_CUT + 3), None]);
        // Too narrow even for the id: the id is shown anyway, whole.
        let p = plan(&columns, &widths, 3, 1, Some(5));
        assert_eq!(p.shown, vec![true, false, false, false]);
    }
}
