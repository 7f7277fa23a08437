//! Scrubbing secrets from URLs and free text before they reach a message or a log:
//! the one rule `config show`, the config file's permission check, database and
//! storage errors and the worker's log lines share, so they cannot disagree.
//!
//! A leaf module: it depends on nothing else in the crate, so `db` and the engine
//! can use it without reaching up into `config`.

use std::fmt;

/// A secret setting (the S3 secret key): never printed, not even by `{:?}`.
/// `config show` prints `***` for it, by its key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Whether a URL query parameter carries a secret, by its (percent-decoded) name:
/// libpq's `password` and `sslpassword`, and anything named like a credential
/// (`…pass…`, `…pwd…`, `…secret…`, `…token…`, `…credential…`, `…key…`). `sslkey` and
/// `passfile` name files, not secrets. Erring on the side of secrecy only costs a
/// `***` in a message (or a `chmod 600`).
pub(crate) fn is_secret_param(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    if matches!(name.as_str(), "sslkey" | "passfile") {
        return false;
    }
    ["pass", "pwd", "secret", "token", "credential", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// Whether a URL holds a secret: a password in its userinfo, or a non-empty
/// secret-named query parameter ([`is_secret_param`]). A string that does not parse
/// is judged by whether [`redact_secrets`] would change it.
pub(crate) fn url_holds_secret(raw: &str) -> bool {
    match url::Url::parse(raw) {
        Ok(url) => {
            url.password().is_some()
                || url
                    .query_pairs()
                    .any(|(key, value)| !value.is_empty() && is_secret_param(&key))
        }
        Err(_) => redact_secrets(raw) != raw,
    }
}

/// A URL fit for messages and logs: the userinfo password and the value of every
/// secret-named query parameter become `***`.
pub(crate) fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            if let Some(query) = url.query().map(redact_query) {
                url.set_query(Some(&query));
            }
            url.to_string()
        }
        // An unparseable string may still hold a secret: say only what it is not.
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// Replaces the value of each secret-named parameter of a raw query (`a=1&b=2`),
/// leaving the rest of the text as it was.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !value.is_empty() && is_secret_param(&decode(key)) => {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A query key as the URL's reader will see it (`pass%77ord` is `password`).
fn decode(key: &str) -> String {
    url::form_urlencoded::parse(key.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

/// An error as a log line (or a stored message) shows it: its whole chain, as
/// `crate::error::error_text` prints it, with the secrets of any URL in it
/// redacted. Every logged error goes through here, so a log line names the cause
/// (the refused connection under "cannot connect") and never a password.
pub fn log_text(err: &(dyn std::error::Error + 'static)) -> String {
    redact_secrets(&crate::error::error_text(err))
}

/// Scrubs the secrets of every `scheme://…` in free text: the password of its
/// userinfo and the values of its secret-named query parameters (as
/// [`redact_url`] does, but on text that may not be a whole URL).
pub(crate) fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .unwrap_or(tail.len());
        let (token, after) = tail.split_at(end);
        // The userinfo ends at the last `@` before the query: a password with an
        // unencoded `/` in it is still caught (and a path with an `@` only loses
        // its text after the first `:` to `***`).
        let query_at = token.find(['?', '#']).unwrap_or(token.len());
        let (before_query, query_and_fragment) = token.split_at(query_at);
        match before_query.rfind('@') {
            Some(at) => {
                let userinfo = &before_query[..at];
                match userinfo.find(':') {
                    Some(colon) if colon + 1 < userinfo.len() => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    _ => out.push_str(userinfo),
                }
                out.push_str(&before_query[at..]);
            }
            None => out.push_str(before_query),
        }
        match query_and_fragment.strip_prefix('?') {
            Some(query_and_fragment) => {
                let (query, fragment) = query_and_fragment.split_at(
                    query_and_fragment
                        .find('#')
                        .unwrap_or(query_and_fragment.len()),
                );
                out.push('?');
                out.push_str(&redact_query(query));
                out.push_str(fragment);
            }
            None => out.push_str(query_and_fragment),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert!(!redact_url("not a url hunter2").contains("hunter2"));
        let text = redact_secrets("failed: smtp://mail:s3cret@host:587 refused");
        assert_eq!(text, "failed: smtp://mail:***@host:587 refused");
    }

    #[test]
    fn query_secrets_are_secrets_everywhere() {
        let url = "postgres://u@h/db?password=hunter2&sslmode=bogus";
        assert_eq!(
            redact_url(url),
            "postgres://u@h/db?password=***&sslmode=bogus"
        );
        assert!(url_holds_secret(url));
        let text = redact_secrets(&format!("bad {url}: unknown value"));
        assert_eq!(
            text,
            "bad postgres://u@h/db?password=***&sslmode=bogus: unknown value"
        );

        // Other credential-named parameters, percent-encoded names, both places at once.
        for url in [
            "postgres://h/db?sslpassword=hunter2",
            "smtp://mail?api_key=hunter2&tls=required",
            "postgres://h/db?pass%77ord=hunter2",
            "postgres://u:hunter2@h/db?Secret-Token=hunter2#frag",
        ] {
            assert!(url_holds_secret(url), "{url}");
            assert!(!redact_url(url).contains("hunter2"), "{url}");
            assert!(!redact_secrets(url).contains("hunter2"), "{url}");
        }
        // A password with an unencoded `/` (no longer a URL) is still scrubbed.
        assert!(!redact_secrets("at postgres://u:hun/ter2@h/db").contains("hun"));
        assert!(url_holds_secret("postgres://u:hun/ter2@h/db"));

        // File paths, empty values and ordinary parameters are not secrets.
        for url in [
            "postgres://u@h/db?sslkey=/etc/key.pem&sslmode=require",
            "postgres://u@h/db?password=",
            "postgres://u:@h/db",
            "smtp://mail:587?tls=required",
        ] {
            assert!(!url_holds_secret(url), "{url}");
            assert_eq!(redact_secrets(url), url);
        }
    }
}
