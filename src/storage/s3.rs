//! The S3 backend: one bucket (and key prefix) through `object_store`'s `AmazonS3`.
//!
//! Settings follow the AWS conventions and nothing bespoke: every `AWS_*` variable
//! `object_store` knows (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`,
//! `AWS_ALLOW_HTTP`, web identity and container credentials…) over the config keys
//! `s3_endpoint`, `s3_region`, `s3_access_key_id`, `s3_secret_access_key`. With an
//! endpoint (MinIO, SeaweedFS, Ceph, R2) requests are path-style
//! (`http://host:port/bucket/key`), which every S3-compatible server accepts; without
//! one they go to AWS virtual-hosted style, which newer AWS buckets require.
//!
//! Errors name the bucket, key and endpoint — what the operator must check — and
//! never a credential: `object_store` puts no secret in its messages (requests are
//! signed in headers), and presigned URLs are never logged.
//!
//! One call `object_store` lacks is ListMultipartUploads: [`S3Target::open_uploads`]
//! signs it with the client's own credentials (a presigned GET on the bucket with
//! `?uploads&prefix=`) and reads the small XML reply, so that uploads no checkpoint
//! names can be found and aborted ([`S3Target::abort_open_uploads`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::multipart::MultipartStore;
use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, RetryConfig};

use super::StorageSettings;
use super::{Link, StorageError};

/// How long one ListMultipartUploads request may take.
const LIST_UPLOADS_TIMEOUT: Duration = Duration::from_secs(30);

/// A multipart upload still open in a bucket: started, neither completed nor aborted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenUpload {
    pub key: String,
    pub upload_id: String,
}

/// The ListMultipartUploads reply, as far as it is read.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUploadsReply {
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_key_marker: Option<String>,
    #[serde(default)]
    next_upload_id_marker: Option<String>,
    #[serde(default, rename = "Upload")]
    uploads: Vec<ListedUpload>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedUpload {
    key: String,
    upload_id: String,
}

/// An S3 error reply (`<Error><Code>…</Code>…</Error>`), as far as it is read.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorReply {
    code: String,
}

/// Reads one ListMultipartUploads reply.
fn parse_uploads(xml: &str) -> Result<ListUploadsReply, quick_xml::DeError> {
    quick_xml::de::from_str(xml)
}

/// Makes ring the process's TLS crypto provider, before the first S3 client.
///
/// reqwest is built without one (one provider, ring, for sqlx, lettre and S3: see
/// Cargo.toml) and takes the process default; a second install is refused,
/// harmlessly. Anything else building an `object_store` client calls this first.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One bucket on one S3 endpoint.
#[derive(Debug)]
pub struct S3Target {
    s3: Arc<AmazonS3>,
    bucket: String,
    prefix: String,
    /// The endpoint, for messages: the configured one, or AWS's regional endpoint.
    endpoint: String,
    /// For the one call `object_store` lacks (ListMultipartUploads): built at the
    /// first listing (a target opened for a download never lists), then reused
    /// across a worker's attempts.
    list_client: std::sync::OnceLock<reqwest::Client>,
}

impl S3Target {
    pub(super) fn open(
        bucket: &str,
        prefix: &str,
        settings: &StorageSettings,
    ) -> Result<S3Target, StorageError> {
        let mut builder = AmazonS3Builder::new();
        let config = [
            (AmazonS3ConfigKey::Endpoint, settings.s3_endpoint.clone()),
            (AmazonS3ConfigKey::Region, settings.s3_region.clone()),
            (
                AmazonS3ConfigKey::AccessKeyId,
                settings.s3_access_key_id.clone(),
            ),
            (
                AmazonS3ConfigKey::SecretAccessKey,
                settings
                    .s3_secret_access_key
                    .as_ref()
                    .map(|s| s.expose().to_owned()),
            ),
        ];
        for (key, value) in config {
            if let Some(value) = value {
                builder = builder.with_config(key, value);
            }
        }
        // The environment wins over the config file, like every other setting.
        for (key, value) in std::env::vars() {
            if !key.starts_with("AWS_") {
                continue;
            }
            if let Ok(config_key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                builder = builder.with_config(config_key, value);
            }
        }
        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        let region = builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::DefaultRegion))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let shown_endpoint = endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let target = format!("s3://{bucket} at {shown_endpoint}");
        if let Some(endpoint) = &endpoint {
            // AWS_ALLOW_HTTP=true allows a plain-HTTP endpoint; so does naming one in
            // the config file's `s3_endpoint` (written there on purpose).
            let allow_http = builder
                .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || (settings.s3_endpoint_from_file
                    && settings.s3_endpoint.as_deref() == Some(endpoint.as_str()));
            if allow_http {
                builder = builder.with_allow_http(true);
            }
            if endpoint.starts_with("http://") && !allow_http {
                return Err(StorageError::InvalidS3 {
                    target,
                    reason: "the endpoint is plain HTTP: set AWS_ALLOW_HTTP=true to allow it (or name it in the config file's s3_endpoint)"
                        .to_owned(),
                });
            }
        }
        install_crypto_provider();
        let s3 = builder
            .with_bucket_name(bucket)
            .with_region(&region)
            // Path-style for S3-compatible servers, virtual-hosted for AWS itself.
            .with_virtual_hosted_style_request(endpoint.is_none())
            // Retries with backoff ride out a blip or a restarting server (about half
            // a minute); a longer outage fails the attempt, and the run's own retries
            // (with their backoff) take it from there.
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(200),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 10,
                retry_timeout: Duration::from_secs(45),
            })
            .build()
            .map_err(|e| StorageError::InvalidS3 {
                target: target.clone(),
                reason: e.to_string(),
            })?;
        Ok(S3Target {
            s3: Arc::new(s3),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint: shown_endpoint,
            list_client: std::sync::OnceLock::new(),
        })
    }

    pub(super) fn store(&self) -> Arc<dyn ObjectStore> {
        self.s3.clone()
    }

    /// The client, for the multipart API.
    pub(crate) fn client(&self) -> &Arc<AmazonS3> {
        &self.s3
    }

    /// Proves the worker can write where exports go: lists the prefix (a missing
    /// bucket), then puts a small probe object under it and deletes it. A missing
    /// bucket, a wrong secret or a key without
    /// write access is refused here, before any run is claimed, instead of by the
    /// first upload of every export. A refused delete only warns (a put-only key is
    /// a sound policy for a worker: it never deletes exports) and names the probe
    /// left behind.
    pub(super) async fn check(&self) -> Result<(), StorageError> {
        // A listing first: some servers (SeaweedFS) create a missing bucket on the
        // first PUT, so only a listing can tell "no such bucket". A refused listing is
        // fine (a write-only key); the probe below decides.
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        match self.s3.list_with_delimiter(prefix.as_ref()).await {
            Err(e) if e.to_string().contains("NoSuchBucket") => {
                return Err(StorageError::NoSuchBucket {
                    bucket: self.bucket.clone(),
                    endpoint: self.endpoint.clone(),
                });
            }
            Ok(_) => {}
            Err(e) if is_denied(&e) => {}
            Err(source) => {
                return Err(self.error("list", &format!("s3://{}", self.bucket), source));
            }
        }
        let name = format!(".invoicectl-probe-{}", ulid::Ulid::new());
        let key = if self.prefix.is_empty() {
            name
        } else {
            format!("{}/{name}", self.prefix)
        };
        let path = ObjectPath::from(key.as_str());
        let location = format!("s3://{}/{key}", self.bucket);
        self.s3
            .put(&path, "invoicectl write check\n".into())
            .await
            .map_err(|source| self.error("write a probe object to", &location, source))?;
        match self.s3.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) if is_denied(&e) => {
                tracing::warn!(
                    object = %location,
                    endpoint = %self.endpoint,
                    "the credentials may write but not delete: the write check's probe object stays behind"
                );
                Ok(())
            }
            Err(source) => Err(self.error("delete the probe object", &location, source)),
        }
    }

    /// The multipart uploads open under `key_prefix` (ListMultipartUploads, every
    /// page). Needs `s3:ListBucketMultipartUploads`.
    pub async fn open_uploads(&self, key_prefix: &str) -> Result<Vec<OpenUpload>, StorageError> {
        let location = format!("s3://{}/{key_prefix}", self.bucket);
        let failed =
            |source: object_store::Error| self.error("list the uploads of", &location, source);
        let generic = |e: String| object_store::Error::Generic {
            store: "S3",
            source: e.into(),
        };
        let client = match self.list_client.get() {
            Some(client) => client,
            None => {
                let client = reqwest::Client::builder()
                    .timeout(LIST_UPLOADS_TIMEOUT)
                    .build()
                    .map_err(|e| failed(generic(e.to_string())))?;
                self.list_client.get_or_init(|| client)
            }
        };
        let mut found = Vec::new();
        let mut marker: Option<(String, String)> = None;
        loop {
            let mut query = vec![
                ("uploads".to_owned(), String::new()),
                ("prefix".to_owned(), key_prefix.to_owned()),
            ];
            if let Some((key, upload_id)) = &marker {
                query.push(("key-marker".to_owned(), key.clone()));
                query.push(("upload-id-marker".to_owned(), upload_id.clone()));
            }
            let url = self
                .s3
                .signed_url_opts(
                    Method::GET,
                    &ObjectPath::from(""),
                    LIST_UPLOADS_TIMEOUT,
                    &SignedUrlOptions::new().with_query(query),
                )
                .await
                .map_err(failed)?;
            let response = client
                .get(url)
                .send()
                .await
                .map_err(|e| failed(generic(e.without_url().to_string())))?;
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| failed(generic(e.without_url().to_string())))?;
            if status.as_u16() == 401 || status.as_u16() == 403 {
                return Err(failed(object_store::Error::PermissionDenied {
                    path: key_prefix.to_owned(),
                    source: format!("ListMultipartUploads answered {status}").into(),
                }));
            }
            if !status.is_success() {
                let code = quick_xml::de::from_str::<ErrorReply>(&body)
                    .map_or_else(|_| "no error code".to_owned(), |e| e.code);
                return Err(failed(generic(format!(
                    "ListMultipartUploads answered {status}: <Code>{code}</Code>"
                ))));
            }
            let reply = parse_uploads(&body).map_err(|e| {
                failed(generic(format!(
                    "cannot read the ListMultipartUploads reply: {e}"
                )))
            })?;
            found.extend(
                reply
                    .uploads
                    .into_iter()
                    .filter(|u| u.key.starts_with(key_prefix))
                    .map(|u| OpenUpload {
                        key: u.key,
                        upload_id: u.upload_id,
                    }),
            );
            let next = match (reply.next_key_marker, reply.next_upload_id_marker) {
                (Some(key), Some(upload_id)) if reply.is_truncated && !key.is_empty() => {
                    Some((key, upload_id))
                }
                _ => None,
            };
            // A server that repeats its marker would loop: stop there.
            if next.is_none() || next == marker {
                return Ok(found);
            }
            marker = next;
        }
    }

    /// Aborts every multipart upload open under `key_prefix` except `keep`, and
    /// returns those it aborted. One already gone meanwhile is fine.
    pub async fn abort_open_uploads(
        &self,
        key_prefix: &str,
        keep: Option<&str>,
    ) -> Result<Vec<OpenUpload>, StorageError> {
        let mut aborted = Vec::new();
        for upload in self.open_uploads(key_prefix).await? {
            if Some(upload.upload_id.as_str()) == keep {
                continue;
            }
            let location = format!("s3://{}/{}", self.bucket, upload.key);
            let path = ObjectPath::parse(&upload.key).map_err(|e| StorageError::InvalidUrl {
                url: location.clone(),
                reason: e.to_string(),
            })?;
            match self.s3.abort_multipart(&path, &upload.upload_id).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => aborted.push(upload),
                Err(source) => return Err(self.error("abort the upload of", &location, source)),
            }
        }
        Ok(aborted)
    }

    /// A presigned GET (SigV4 query string) valid for `ttl`.
    pub(super) async fn presign(
        &self,
        path: &ObjectPath,
        ttl: Duration,
    ) -> Result<Link, StorageError> {
        let issued = Utc::now();
        let url = self
            .s3
            .signed_url(Method::GET, path, ttl)
            .await
            .map_err(|source| {
                self.error(
                    "sign a link to",
                    &format!("s3://{}/{path}", self.bucket),
                    source,
                )
            })?;
        let expires_at = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|d| issued.checked_add_signed(d));
        Ok(Link {
            url: url.to_string(),
            expires_at,
        })
    }

    /// Wraps a store error with what was being done, where, and at which endpoint.
    pub(crate) fn error(
        &self,
        action: &'static str,
        location: &str,
        source: object_store::Error,
    ) -> StorageError {
        let location = location.to_owned();
        let endpoint = self.endpoint.clone();
        match source {
            ref e if is_denied(e) => StorageError::Denied {
                action,
                location,
                endpoint,
                source: Box::new(source),
            },
            ref e if e.to_string().contains("NoSuchBucket") => StorageError::NoSuchBucket {
                bucket: self.bucket.clone(),
                endpoint,
            },
            source => StorageError::Store {
                action,
                location,
                endpoint,
                source: Box::new(source),
            },
        }
    }
}

/// A refusal of the credentials or their rights (401/403). `object_store` types most
/// of them, but wraps a listing's in a generic error whose status shows only in its
/// message.
fn is_denied(e: &object_store::Error) -> bool {
    match e {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => true,
        other => {
            let text = other.to_string();
            text.contains("status code: 403") || text.contains("status code: 401")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_reply_gives_its_code() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><RequestId>r1</RequestId></Error>"#;
        let reply: ErrorReply = quick_xml::de::from_str(xml).unwrap();
        assert_eq!(reply.code, "NotImplemented");
        assert!(quick_xml::de::from_str::<ErrorReply>("not xml").is_err());
    }

    #[test]
    fn a_list_uploads_reply_is_read_with_its_markers() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>p/o/r.csv</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
  <MaxUploads>1000</MaxUploads><IsTruncated>true</IsTruncated>
  <Upload><Key>p/o/r.csv</Key><UploadId>u1</UploadId><Initiated>2026-12-07T00:00:00Z</Initiated></Upload>
  <Upload><Key>p/o/r.csv&amp;x</Key><UploadId>u2</UploadId></Upload>
</ListMultipartUploadsResult>"#;
        let reply = parse_uploads(xml).unwrap();
        assert!(reply.is_truncated);
        assert_eq!(reply.next_upload_id_marker.as_deref(), Some("u2"));
        let keys: Vec<(&str, &str)> = reply
            .uploads
            .iter()
            .map(|u| (u.key.as_str(), u.upload_id.as_str()))
            .collect();
        assert_eq!(keys, [("p/o/r.csv", "u1"), ("p/o/r.csv&x", "u2")]);
        let empty = parse_uploads(
            "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>",
        )
        .unwrap();
        assert!(empty.uploads.is_empty() && !empty.is_truncated);
    }
}
