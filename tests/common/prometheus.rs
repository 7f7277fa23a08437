//! The worker's Prometheus endpoint as a scraper sees it: [`scrape`] fetches
//! `/metrics` over plain HTTP/1.1, and [`Exposition`] parses the text format,
//! checking every line of it, so a test reads a series' value from a well-formed
//! scrape only.

use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (bound, then released for the worker to bind).
pub fn free_local_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A plain HTTP/1.1 `GET /metrics`, once the listener answers (within 10 s): the body.
pub fn scrape(addr: std::net::SocketAddr) -> String {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        match std::net::TcpStream::connect(addr) {
            Ok(stream) => break stream,
            Err(e) => {
                assert!(Instant::now() < deadline, "nothing listens on {addr}: {e}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\ncontent-type: text/plain"),
        "{head}"
    );
    body.to_owned()
}

/// A scrape in Prometheus text format, checked line by line: every sample belongs to
/// a family announced by one `# TYPE` line and a `# HELP` line before it, names and
/// labels are well formed, values are numbers.
pub struct Exposition {
    /// Family name → its `# TYPE`.
    pub types: std::collections::HashMap<String, String>,
    /// `name{labels}` as printed → value.
    pub samples: std::collections::HashMap<String, f64>,
}

impl Exposition {
    pub fn parse(text: &str) -> Exposition {
        let valid_name = |name: &str| {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        };
        let mut types = std::collections::HashMap::new();
        let mut helps = std::collections::HashSet::new();
        let mut samples = std::collections::HashMap::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').expect("HELP name text");
                assert!(valid_name(name) && !help.trim().is_empty(), "{line}");
                assert!(helps.insert(name.to_owned()), "a second HELP: {line}");
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                assert!(valid_name(name), "{line}");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "{line}"
                );
                assert!(helps.contains(name), "TYPE before HELP: {line}");
                let earlier = types.insert(name.to_owned(), kind.to_owned());
                assert!(earlier.is_none(), "a second TYPE: {line}");
            } else {
                assert!(!line.starts_with('#'), "an unknown comment: {line}");
                let (series, value) = line.rsplit_once(' ').expect("a sample");
                let value: f64 = match value {
                    "+Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
                };
                let name = match series.split_once('{') {
                    Some((name, labels)) => {
                        let labels = labels.strip_suffix('}').expect("labels end with }");
                        for pair in labels.split(',') {
                            let (key, quoted) = pair.split_once('=').expect("label=value");
                            assert!(valid_name(key), "{line}");
                            assert!(
                                quoted.len() >= 2
                                    && quoted.starts_with('"')
                                    && quoted.ends_with('"'),
                                "{line}"
                            );
                        }
                        name
                    }
                    None => series,
                };
                assert!(valid_name(name), "{line}");
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .filter_map(|suffix| name.strip_suffix(suffix))
                    .find(|f| types.get(*f).is_some_and(|k| k == "histogram"))
                    .unwrap_or(name);
                assert!(types.contains_key(family), "no TYPE for {line}");
                let earlier = samples.insert(series.to_owned(), value);
                assert!(earlier.is_none(), "a second sample: {line}");
            }
        }
        Exposition { types, samples }
    }

    /// The value of one series (`name{labels}` as printed; 0 when absent, which is
    /// what a counter not yet incremented means).
    pub fn get(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }

    pub fn task(&self, name: &str, task: &str) -> f64 {
        self.get(&format!("{name}{{task=\"{task}\"}}"))
    }
}
