//! Fetching an export through its stored download link, for a login that holds no
//! storage credentials (an operator: the S3 secret stays with the workers).
//!
//! The worker stored the link when it finished the export: a presigned GET on S3
//! (valid for `link_ttl`), a `file://` URL on local storage. Whoever may read the
//! export row may use the link while it is valid; a fresh one needs the secret
//! (`export url` run by an admin or on a worker host).

use std::path::PathBuf;

use futures::StreamExt as _;

use super::{ObjectStream, Storage, StorageError, StorageSettings};
use crate::error::{Classify, ExitKind};

#[derive(Debug, thiserror::Error)]
pub(crate) enum LinkFetchError {
    #[error(
        "the stored link to {url} was refused ({status}): it expired or was revoked; an admin, or anyone on a host with the storage credentials, can sign a new one with `invoicectl export url RUN_ID`"
    )]
    Refused { url: String, status: u16 },
    #[error("the stored link to {url} answered {status}")]
    Failed { url: String, status: u16 },
    #[error("cannot fetch {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Classify for LinkFetchError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            LinkFetchError::Refused { .. } => ExitKind::NotFound,
            LinkFetchError::Failed { status, .. } if *status < 500 => ExitKind::Failure,
            LinkFetchError::Failed { .. } | LinkFetchError::Unreachable { .. } => {
                ExitKind::Unavailable
            }
            LinkFetchError::Storage(e) => e.exit_kind(),
        }
    }
}

/// The link without its query: a presigned URL's signature is a credential for as
/// long as it is valid, so messages never show it.
pub(crate) fn without_query(link: &str) -> String {
    match url::Url::parse(link) {
        Ok(mut url) => {
            url.set_query(None);
            url.to_string()
        }
        Err(_) => "(the stored link)".to_owned(),
    }
}

/// Streams the object behind a stored download link: a local file for `file://`, an
/// HTTP GET for a presigned `https://` (or `http://`) link.
pub(crate) async fn fetch(
    link: &str,
    settings: &StorageSettings,
) -> Result<ObjectStream, LinkFetchError> {
    if link.starts_with("file:") {
        let (storage, location) = Storage::for_object(link, settings)?;
        return Ok(storage.get(&location).await?);
    }
    let shown = without_query(link);
    // reqwest's rustls has no crypto provider of its own: the process default (ring).
    super::s3::install_crypto_provider();
    let unreachable = |e: reqwest::Error| LinkFetchError::Unreachable {
        url: shown.clone(),
        reason: crate::redact::redact_secrets(&e.without_url().to_string()),
    };
    let response = reqwest::Client::new()
        .get(link)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    match status {
        200 => {}
        401 | 403 => return Err(LinkFetchError::Refused { url: shown, status }),
        _ => return Err(LinkFetchError::Failed { url: shown, status }),
    }
    let size = response.content_length().unwrap_or(0);
    let chunks = futures::stream::unfold(Some(response), move |response| {
        let shown = shown.clone();
        async move {
            let mut response = response?;
            match response.chunk().await {
                Ok(Some(bytes)) => Some((Ok(bytes.to_vec()), Some(response))),
                Ok(None) => None,
                Err(e) => Some((
                    Err(StorageError::Io {
                        action: "download through the stored link",
                        path: PathBuf::from(shown),
                        source: std::io::Error::other(e.without_url()),
                    }),
                    None,
                )),
            }
        }
    })
    .boxed();
    Ok(ObjectStream { size, chunks })
}
