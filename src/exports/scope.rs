//! An export's scope: which of an organization's invoices it holds — those whose
//! `issued_at` is in a half-open UTC range `[from, to)` and/or whose status is in a
//! list. A scope is resolved once, when the export is requested (`--period
//! previous-month` becomes the concrete month of that moment), and travels in the
//! run's payload as concrete instants, so a retry, a takeover or a resumed run
//! exports exactly the rows the requester meant, whatever the clock says by then.
//!
//! The payload form is strict (unknown keys, an inverted or empty range, an unknown
//! status are refused), and the same checks run when a worker loads the payload: a
//! scope cannot be constructed, parsed or deserialized without them.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, IsoWeek, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Classify, ExitKind};
use crate::ids::OrgId;

pub(crate) use crate::db::invoices::InvoiceStatus;

impl FromStr for InvoiceStatus {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, ScopeError> {
        InvoiceStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| ScopeError::UnknownStatus(s.to_owned()))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "unknown invoice status {0:?}: expected one or more of draft, open, paid, void, uncollectible (comma-separated)"
    )]
    UnknownStatus(String),
    #[error("--status names no status: pass one or more of draft, open, paid, void, uncollectible")]
    NoStatus,
    #[error("{what} {value:?} is not a date: expected YYYY-MM-DD or an RFC 3339 time")]
    BadDate { what: &'static str, value: String },
    #[error("the range is empty: --from {from} is not before --to {to}")]
    Inverted { from: String, to: String },
    #[error(
        "period {0:?} is not a period: expected YYYY-MM (2026-11), YYYY-Qn (2026-Q4), YYYY (2026), previous-month, previous-week or previous-day"
    )]
    BadPeriod(String),
    #[error("time zone {0:?} is not an IANA zone name (like Europe/Paris or America/New_York)")]
    BadZone(String),
    #[error("invalid scope: {0}")]
    Payload(String),
}

impl Classify for ScopeError {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Invalid
    }
}

/// The invoices one export reads: an organization's, within its scope if it has one.
/// The export's writers take it where they took the org id; it dereferences to the
/// org id, so the file and storage naming that only needs the org is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    pub org: OrgId,
    pub scope: Option<Scope>,
}

impl Selection {
    /// The database filter of the selection (every invoice without a scope).
    pub(crate) fn filter(&self) -> crate::db::invoices::Filter<'_> {
        self.scope.as_ref().map(Scope::filter).unwrap_or_default()
    }
}

impl std::ops::Deref for Selection {
    type Target = OrgId;
    fn deref(&self) -> &OrgId {
        &self.org
    }
}

/// An IANA time zone name, validated.
pub(crate) fn parse_zone(name: &str) -> Result<Tz, ScopeError> {
    name.parse::<Tz>()
        .map_err(|_| ScopeError::BadZone(name.to_owned()))
}

/// Which invoices an export holds. Every field is optional, but a scope has at least
/// one of `from`, `to`, `status` (an export of everything carries no scope at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScopeDoc", into = "ScopeDoc")]
pub struct Scope {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// Sorted, without repeats; empty: any status.
    statuses: Vec<InvoiceStatus>,
    /// The period it was requested as, resolved (`2026-11`, `2026-Q4`, `2026`,
    /// `2026-W47`, `2026-11-21`), for names; `None` for an explicit range.
    period: Option<String>,
    /// The zone the period's bounds were computed in (`None`: UTC).
    time_zone: Option<String>,
}

/// The payload form of a [`Scope`] (`{"from","to","status","period","timeZone"}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScopeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_zone: Option<String>,
}

fn instant_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl From<Scope> for ScopeDoc {
    fn from(s: Scope) -> ScopeDoc {
        ScopeDoc {
            from: s.from.as_ref().map(instant_text),
            to: s.to.as_ref().map(instant_text),
            status: (!s.statuses.is_empty())
                .then(|| s.statuses.iter().map(|x| x.as_str().to_owned()).collect()),
            period: s.period,
            time_zone: s.time_zone,
        }
    }
}

impl TryFrom<ScopeDoc> for Scope {
    type Error = ScopeError;
    fn try_from(doc: ScopeDoc) -> Result<Scope, ScopeError> {
        let instant = |what, v: Option<String>| -> Result<Option<DateTime<Utc>>, ScopeError> {
            v.map(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .map(|t| t.to_utc())
                    .map_err(|_| ScopeError::BadDate { what, value: v })
            })
            .transpose()
        };
        let from = instant("from", doc.from)?;
        let to = instant("to", doc.to)?;
        let statuses = match doc.status {
            None => Vec::new(),
            Some(list) if list.is_empty() => return Err(ScopeError::NoStatus),
            Some(list) => list
                .iter()
                .map(|s| s.parse())
                .collect::<Result<Vec<_>, _>>()?,
        };
        if let Some(period) = &doc.period
            && !is_period_label(period)
        {
            return Err(ScopeError::BadPeriod(period.clone()));
        }
        if let Some(zone) = &doc.time_zone {
            parse_zone(zone)?;
        }
        Scope::new(from, to, statuses, doc.period, doc.time_zone)?
            .ok_or_else(|| ScopeError::Payload("a scope needs from, to or status".to_owned()))
    }
}

/// Whether `label` is a resolved period's name, as [`Period::label`] writes it.
fn is_period_label(label: &str) -> bool {
    let parsed = Period::parse(label);
    matches!(
        parsed,
        Ok(Period::Year(_) | Period::Quarter(..) | Period::Month(..))
    ) || NaiveDate::parse_from_str(label, "%Y-%m-%d").is_ok()
        || label
            .split_once("-W")
            .and_then(|(y, w)| Some((y.parse::<i32>().ok()?, w.parse::<u32>().ok()?)))
            .is_some_and(|(y, w)| NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).is_some())
}

impl Scope {
    /// A scope from its parts; `Ok(None)` when it restricts nothing.
    pub(crate) fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        mut statuses: Vec<InvoiceStatus>,
        period: Option<String>,
        time_zone: Option<String>,
    ) -> Result<Option<Scope>, ScopeError> {
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ScopeError::Inverted {
                from: instant_text(&f),
                to: instant_text(&t),
            });
        }
        statuses.sort();
        statuses.dedup();
        if from.is_none() && to.is_none() && statuses.is_empty() {
            return Ok(None);
        }
        Ok(Some(Scope {
            from,
            to,
            statuses,
            period,
            time_zone: time_zone.filter(|z| z != "UTC"),
        }))
    }

    /// The database filter that reads exactly this scope's invoices.
    pub(crate) fn filter(&self) -> crate::db::invoices::Filter<'_> {
        crate::db::invoices::Filter {
            issued_from: self.from,
            issued_to: self.to,
            statuses: &self.statuses,
        }
    }

    /// The scope's name in file names and the email: `2026-11`, `2026-Q4-paid`,
    /// `2026-11-01_2026-12-01`, `from-2026-11-01`, `open+paid`. Only `[A-Za-z0-9_+-]`.
    pub(crate) fn label(&self) -> String {
        let range = match (&self.period, self.from, self.to) {
            (Some(p), _, _) => Some(p.clone()),
            (None, Some(f), Some(t)) => Some(format!("{}_{}", bound(&f), bound(&t))),
            (None, Some(f), None) => Some(format!("from-{}", bound(&f))),
            (None, None, Some(t)) => Some(format!("until-{}", bound(&t))),
            (None, None, None) => None,
        };
        let statuses = (!self.statuses.is_empty()).then(|| {
            self.statuses
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+")
        });
        match (range, statuses) {
            (Some(r), Some(s)) => format!("{r}-{s}"),
            (Some(r), None) => r,
            (None, Some(s)) => s,
            (None, None) => "all".to_owned(),
        }
    }

    /// What a person reads: `issued 2026-11-01T00:00:00Z – 2026-12-01T00:00:00Z
    /// (2026-11, Europe/Paris), status paid`.
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.from.is_some() || self.to.is_some() {
            let f = self.from.as_ref().map_or("…".to_owned(), instant_text);
            let t = self.to.as_ref().map_or("…".to_owned(), instant_text);
            let mut range = format!("issued {f} to {t} (end excluded)");
            let named: Vec<&str> = [self.period.as_deref(), self.time_zone.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !named.is_empty() {
                range.push_str(&format!(", {}", named.join(" ")));
            }
            parts.push(range);
        }
        if !self.statuses.is_empty() {
            let list: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
            parts.push(format!("status {}", list.join(", ")));
        }
        parts.join("; ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A bound in a label: the date when it is a UTC midnight, else `YYYYMMDDTHHMMSSZ`.
fn bound(t: &DateTime<Utc>) -> String {
    if t.time() == NaiveTime::MIN {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y%m%dT%H%M%SZ").to_string()
    }
}

/// A `--period`: a calendar period, or one relative to when the export is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
    PreviousMonth,
    PreviousWeek,
    PreviousDay,
}

impl Period {
    pub(crate) fn parse(text: &str) -> Result<Period, ScopeError> {
        let bad = || ScopeError::BadPeriod(text.to_owned());
        match text {
            "previous-month" => return Ok(Period::PreviousMonth),
            "previous-week" => return Ok(Period::PreviousWeek),
            "previous-day" => return Ok(Period::PreviousDay),
            _ => {}
        }
        let year = |y: &str| {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| *y >= 1)
                .ok_or_else(bad)
        };
        match text.split_once('-') {
            None => Ok(Period::Year(year(text)?)),
            Some((y, q)) if q.starts_with('Q') => match q.as_bytes() {
                [b'Q', d @ b'1'..=b'4'] => Ok(Period::Quarter(year(y)?, u32::from(d - b'0'))),
                _ => Err(bad()),
            },
            Some((y, m)) => {
                let month: u32 = (m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| m.parse().ok())
                    .flatten()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(bad)?;
                Ok(Period::Month(year(y)?, month))
            }
        }
    }

    /// The period's first and one-past-last local days, and its name, resolved at
    /// `now` in `zone` (relative periods are the one before the current one).
    fn days(self, now: DateTime<Utc>, zone: Tz) -> (NaiveDate, NaiveDate, String) {
        let today = now.with_timezone(&zone).date_naive();
        let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month");
        let next_month = |y: i32, m: u32| if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        match self {
            Period::Year(y) => (month_start(y, 1), month_start(y + 1, 1), format!("{y:04}")),
            Period::Quarter(y, q) => {
                let first = (q - 1) * 3 + 1;
                let (ny, nm) = if q == 4 { (y + 1, 1) } else { (y, first + 3) };
                (
                    month_start(y, first),
                    month_start(ny, nm),
                    format!("{y:04}-Q{q}"),
                )
            }
            Period::Month(y, m) => {
                let (ny, nm) = next_month(y, m);
                (
                    month_start(y, m),
                    month_start(ny, nm),
                    format!("{y:04}-{m:02}"),
                )
            }
            Period::PreviousMonth => {
                let (y, m) = if today.month() == 1 {
                    (today.year() - 1, 12)
                } else {
                    (today.year(), today.month() - 1)
                };
                Period::Month(y, m).days(now, zone)
            }
            Period::PreviousWeek => {
                let this_monday =
                    today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                let monday = this_monday - Duration::days(7);
                let week: IsoWeek = monday.iso_week();
                (
                    monday,
                    this_monday,
                    format!("{:04}-W{:02}", week.year(), week.week()),
                )
            }
            Period::PreviousDay => {
                let day = today - Duration::days(1);
                (day, today, day.format("%Y-%m-%d").to_string())
            }
        }
    }

    /// The scope of this period in `zone`, resolved at `now`, with `statuses`.
    pub(crate) fn resolve(
        self,
        now: DateTime<Utc>,
        zone: Option<&str>,
        statuses: Vec<InvoiceStatus>,
    ) -> Result<Scope, ScopeError> {
        let tz = zone.map(parse_zone).transpose()?.unwrap_or(Tz::UTC);
        let (first, end, label) = self.days(now, tz);
        let from = local_midnight(first, tz);
        let to = local_midnight(end, tz);
        Ok(Scope::new(
            Some(from),
            Some(to),
            statuses,
            Some(label),
            zone.map(str::to_owned),
        )?
        .expect("a period restricts the range"))
    }
}

/// The first instant of `day` in `zone`: its midnight, or where a zone skips
/// midnight (a DST change at 00:00), the first local time that exists after it.
pub(crate) fn local_midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut local: NaiveDateTime = day.and_time(NaiveTime::MIN);
    for _ in 0..=(24 * 60) {
        if let Some(t) = zone.from_local_datetime(&local).earliest() {
            return t.to_utc();
        }
        local += Duration::minutes(1);
    }
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

/// `--from` / `--to`: `YYYY-MM-DD` (UTC midnight) or an RFC 3339 time.
pub(crate) fn parse_bound(what: &'static str, text: &str) -> Result<DateTime<Utc>, ScopeError> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| ScopeError::BadDate {
            what,
            value: text.to_owned(),
        })
}

/// `--status paid,open`: each named status once.
pub(crate) fn parse_statuses(list: &[String]) -> Result<Vec<InvoiceStatus>, ScopeError> {
    let statuses: Vec<InvoiceStatus> = list
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if statuses.is_empty() && !list.is_empty() {
        return Err(ScopeError::NoStatus);
    }
    Ok(statuses)
}

/// The scope options of `export start` and `export schedule add`, as typed. A
/// schedule stores it (strictly: unknown keys are refused) and resolves it at each
/// tick's instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ScopeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<String>,
}

impl ScopeRequest {
    /// Checks what can be checked before any time is known (for a schedule, whose
    /// relative period resolves at each tick).
    pub(crate) fn check(&self) -> Result<(), ScopeError> {
        self.resolve(Utc::now()).map(|_| ())
    }

    /// The scope as of `now` (`None`: every invoice).
    pub(crate) fn resolve(&self, now: DateTime<Utc>) -> Result<Option<Scope>, ScopeError> {
        let statuses = parse_statuses(&self.status)?;
        if let Some(zone) = &self.tz {
            parse_zone(zone)?;
        }
        if let Some(period) = &self.period {
            let period = Period::parse(period)?;
            return Ok(Some(period.resolve(now, self.tz.as_deref(), statuses)?));
        }
        let from = self
            .from
            .as_deref()
            .map(|f| parse_bound("--from", f))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| parse_bound("--to", t))
            .transpose()?;
        Scope::new(from, to, statuses, None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn period(p: &str, now: &str, zone: Option<&str>) -> Scope {
        Period::parse(p)
            .unwrap()
            .resolve(at(now), zone, vec![])
            .unwrap()
    }

    #[test]
    fn calendar_periods_resolve_to_half_open_utc_ranges() {
        let now = "2026-12-07T10:00:00Z";
        let m = period("2026-11", now, None);
        assert_eq!(
            (m.from, m.to),
            (
                Some(at("2026-11-01T00:00:00Z")),
                Some(at("2026-12-01T00:00:00Z"))
            )
        );
        assert_eq!(m.label(), "2026-11");
        let q = period("2026-Q4", now, None);
        assert_eq!(
            (q.from, q.to),
            (
                Some(at("2026-10-01T00:00:00Z")),
                Some(at("2027-01-01T00:00:00Z"))
            )
        );
        let y = period("2026", now, None);
        assert_eq!(
            (y.from, y.to),
            (
                Some(at("2026-01-01T00:00:00Z")),
                Some(at("2027-01-01T00:00:00Z"))
            )
        );
        assert_eq!(
            period("2026-12", now, None).to,
            Some(at("2027-01-01T00:00:00Z"))
        );
        for bad in [
            "2026-13",
            "2026-Q5",
            "2026-Q0",
            "26",
            "2026-1",
            "previous-year",
            "",
            "2026-Q04",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_periods_resolve_when_requested_in_utc_and_in_a_zone() {
        // Monday 2026-03-09, 03:00 UTC: still Sunday the 8th in New York.
        let now = "2026-03-09T03:00:00Z";
        let m = period("previous-month", now, None);
        assert_eq!(m.label(), "2026-02");
        assert_eq!(m.from, Some(at("2026-02-01T00:00:00Z")));
        let w = period("previous-week", now, None);
        assert_eq!(w.label(), "2026-W10");
        assert_eq!(
            (w.from, w.to),
            (
                Some(at("2026-03-02T00:00:00Z")),
                Some(at("2026-03-09T00:00:00Z"))
            )
        );
        let d = period("previous-day", now, None);
        assert_eq!(
            (d.from, d.to),
            (
                Some(at("2026-03-08T00:00:00Z")),
                Some(at("2026-03-09T00:00:00Z"))
            )
        );
        // New York: the day before Sunday the 8th is Saturday the 7th (EST, -5); the
        // 8th itself is 23 hours long (spring forward at 02:00).
        let ny = period("previous-day", now, Some("America/New_York"));
        assert_eq!(ny.label(), "2026-03-07");
        assert_eq!(
            (ny.from, ny.to),
            (
                Some(at("2026-03-07T05:00:00Z")),
                Some(at("2026-03-08T05:00:00Z"))
            )
        );
        let ny_week = period("previous-week", now, Some("America/New_York"));
        assert_eq!(ny_week.label(), "2026-W09");
        // March in New York spans the DST change: -5 at its start, -4 at its end.
        let march = period("2026-03", now, Some("America/New_York"));
        assert_eq!(
            (march.from, march.to),
            (
                Some(at("2026-03-01T05:00:00Z")),
                Some(at("2026-04-01T04:00:00Z"))
            )
        );
        // January resolves to the previous year's December.
        assert_eq!(
            period("previous-month", "2027-01-15T00:00:00Z", None).label(),
            "2026-12"
        );
    }

    #[test]
    fn payload_form_is_strict_and_round_trips() {
        let s = Period::Month(2026, 11)
            .resolve(
                Utc::now(),
                Some("Europe/Paris"),
                vec![InvoiceStatus::Paid, InvoiceStatus::Open],
            )
            .unwrap();
        let doc = serde_json::to_value(&s).unwrap();
        assert_eq!(doc["status"], serde_json::json!(["open", "paid"]));
        assert_eq!(doc["from"], "2026-10-31T23:00:00Z");
        assert_eq!(serde_json::from_value::<Scope>(doc).unwrap(), s);
        assert_eq!(s.label(), "2026-11-open+paid");
        for bad in [
            serde_json::json!({"from": "2026-11-01T00:00:00Z", "extra": 1}),
            serde_json::json!({"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}),
            serde_json::json!({"status": ["paid", "refunded"]}),
            serde_json::json!({"status": []}),
            serde_json::json!({}),
            serde_json::json!({"from": "yesterday"}),
            serde_json::json!({"from": "2026-11-01T00:00:00Z", "timeZone": "Mars/Olympus"}),
            serde_json::json!({"from": "2026-11-01T00:00:00Z", "period": "../../etc"}),
        ] {
            assert!(
                serde_json::from_value::<Scope>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn edge_requests_resolve_or_refuse() {
        let req = |from: Option<&str>, to: Option<&str>, status: &[&str]| ScopeRequest {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            status: status.iter().map(|s| s.to_string()).collect(),
            ..ScopeRequest::default()
        };
        let now = Utc::now();
        assert_eq!(req(None, None, &[]).resolve(now).unwrap(), None);
        let s = req(
            Some("2026-11-01"),
            Some("2026-11-15T12:00:00+01:00"),
            &["paid,void"],
        )
        .resolve(now)
        .unwrap()
        .unwrap();
        assert_eq!(s.to, Some(at("2026-11-15T11:00:00Z")));
        assert_eq!(s.label(), "2026-11-01_20261115T110000Z-paid+void");
        assert_eq!(
            req(Some("2026-11-02"), Some("2026-11-01"), &[]).resolve(now),
            Err(ScopeError::Inverted {
                from: "2026-11-02T00:00:00Z".into(),
                to: "2026-11-01T00:00:00Z".into()
            })
        );
        assert!(
            req(Some("2026-11-01"), Some("2026-11-01"), &[])
                .resolve(now)
                .is_err()
        );
        assert!(req(None, None, &["paid,refunded"]).resolve(now).is_err());
        assert!(req(None, None, &[","]).resolve(now).is_err());
        assert!(req(Some("11/01/2026"), None, &[]).resolve(now).is_err());
        assert_eq!(
            req(None, None, &["paid", "open,paid"])
                .resolve(now)
                .unwrap()
                .unwrap()
                .label(),
            "open+paid"
        );
    }
}
