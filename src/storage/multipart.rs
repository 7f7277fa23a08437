//! A streamed, resumable multipart upload whose state lives in a checkpoint.
//!
//! The writer takes the object as a sequence of *chunks* (the export's pages), each
//! with an opaque *mark* saying where the producer stands after it (the export's
//! cursor and counts). Chunks accumulate into parts of exactly `part_size` bytes
//! (the last part may be shorter: R2 requires equal parts, every S3 accepts them), cut
//! wherever the size falls, mid-chunk included.
//!
//! Memory bound: **one part in flight** while the next one fills, so at most two
//! part buffers (2 × `part_size`, 16 MiB at the default 8 MiB) are ever allocated.
//! The buffer of a part that finished uploading is handed back and refilled for the
//! part after next instead of a fresh allocation per part: freed 8 MiB blocks parked
//! in glibc's per-thread arenas were what pushed the worker's peak RSS over its
//! 64 MiB bound (see BENCHMARKS.md, "Export to S3").
//!
//! Each time a part has been uploaded the writer hands back a [`Resume`]: the upload
//! id, the finished parts' ETags, the byte count and SHA-256 state at the end of
//! those parts, plus the mark of the last chunk wholly inside them and how many bytes
//! of the following chunk they already hold (`carry`). Committing that with the
//! export's checkpoint is what makes a takeover — on any host — continue the same
//! upload: it regenerates the chunks after the mark, skips the `carry` bytes (after
//! checking, by the whole chunk's hash, that the regenerated chunk is the one whose
//! head was uploaded), and sends only the parts that were not finished.
//!
//! Publishing is [`Upload::complete`] with exactly the part list of the final
//! checkpoint, so a part sent by a worker that lost its lease can never be in the
//! object: either it is not in the list, or it carries the same bytes and ETag.
//! The upload is created and its id committed to the checkpoint before any part is
//! sent ([`Upload::create`] then checkpoint, then [`Upload::writer`]).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use object_store::multipart::{MultipartStore, PartId};
use object_store::{Attributes, PutMultipartOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use super::sha256::{ResumableSha256, Sha256State};
use super::{ObjectLocation, StorageError};

/// One multipart upload's state, as a checkpoint holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadState {
    pub upload_id: String,
    /// Bytes per part, fixed for the upload's life, so that a takeover on a host
    /// configured differently still cuts the same parts.
    pub part_size: u64,
    /// The finished parts' ETags in part order (part number = index + 1).
    pub parts: Vec<String>,
    /// Bytes in the finished parts.
    pub bytes: u64,
    /// SHA-256 of those bytes.
    pub sha256: Sha256State,
}

/// A point an upload can resume from (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resume<M> {
    pub upload: UploadState,
    /// The mark of the last chunk wholly inside the finished parts; `None`: the
    /// producer starts from its first chunk.
    pub mark: Option<M>,
    /// Bytes of the chunk after `mark` already in the finished parts.
    pub carry: u64,
    /// SHA-256 (hex) of that whole chunk, when `carry > 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carry_chunk_sha256: Option<String>,
    /// Every byte is uploaded: the upload only needs completing.
    pub finished: bool,
}

impl<M> Resume<M> {
    /// The object's SHA-256 (hex) so far: the whole object's once `finished`.
    pub fn sha256_hex(&self) -> Result<String, StorageError> {
        let hasher = ResumableSha256::restore(&self.upload.sha256).map_err(|e| {
            StorageError::BadCheckpoint {
                reason: e.to_string(),
            }
        })?;
        Ok(hasher.finish_hex())
    }
}

type ErrorMap = Arc<dyn Fn(&'static str, object_store::Error) -> StorageError + Send + Sync>;

/// One object's multipart uploads: create, write, complete, abort.
#[derive(Clone)]
pub struct Upload {
    store: Arc<dyn MultipartStore>,
    location: ObjectLocation,
    errors: ErrorMap,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("location", &self.location.url)
            .finish()
    }
}

impl Upload {
    /// `errors` turns a store error into a [`StorageError`] naming the object and
    /// endpoint.
    pub(crate) fn new(
        store: Arc<dyn MultipartStore>,
        location: ObjectLocation,
        errors: impl Fn(&'static str, object_store::Error) -> StorageError + Send + Sync + 'static,
    ) -> Upload {
        Upload {
            store,
            location,
            errors: Arc::new(errors),
        }
    }

    pub(crate) fn location(&self) -> &ObjectLocation {
        &self.location
    }

    /// Starts a new upload. Commit the returned state (as `Resume::start`) before
    /// writing, so that no part is ever sent to an upload no checkpoint knows.
    pub async fn create(
        &self,
        attributes: Attributes,
        part_size: u64,
    ) -> Result<UploadState, StorageError> {
        let upload_id = self
            .store
            .create_multipart_opts(
                &self.location.path,
                PutMultipartOptions {
                    attributes,
                    ..PutMultipartOptions::default()
                },
            )
            .await
            .map_err(|e| (self.errors)("start an upload of", e))?;
        Ok(UploadState {
            upload_id,
            part_size,
            parts: Vec::new(),
            bytes: 0,
            sha256: ResumableSha256::new().save(),
        })
    }

    /// A writer continuing from `from` (a fresh upload's start, or a checkpoint).
    /// The producer must restart its chunks after `from.mark`.
    pub fn writer<M: Clone + Send + 'static>(
        &self,
        from: Resume<M>,
    ) -> Result<PartWriter<M>, StorageError> {
        if from.finished {
            return Err(StorageError::BadCheckpoint {
                reason: "the upload is already finished: complete it instead".to_owned(),
            });
        }
        let consistent = from.upload.part_size > 0
            && from.upload.bytes == from.upload.parts.len() as u64 * from.upload.part_size
            && from.upload.sha256.len == from.upload.bytes
            && (from.carry == 0) == from.carry_chunk_sha256.is_none();
        if !consistent {
            return Err(StorageError::BadCheckpoint {
                reason: format!(
                    "{} parts of {} bytes do not make {} bytes",
                    from.upload.parts.len(),
                    from.upload.part_size,
                    from.upload.bytes
                ),
            });
        }
        let hasher = ResumableSha256::restore(&from.upload.sha256).map_err(|e| {
            StorageError::BadCheckpoint {
                reason: e.to_string(),
            }
        })?;
        Ok(PartWriter {
            upload: self.clone(),
            buf: Vec::with_capacity(from.upload.part_size as usize),
            hasher,
            last_mark: from.mark,
            skip: from.carry,
            skip_chunk_sha256: from.carry_chunk_sha256,
            state: from.upload,
            in_flight: None,
            spare: None,
            parts_sent: 0,
        })
    }

    /// Publishes the object from exactly `state`'s parts.
    pub async fn complete(&self, state: &UploadState) -> Result<(), StorageError> {
        let parts = state
            .parts
            .iter()
            .map(|etag| PartId {
                content_id: etag.clone(),
            })
            .collect();
        self.store
            .complete_multipart(&self.location.path, &state.upload_id, parts)
            .await
            .map_err(|e| (self.errors)("complete the upload of", e))?;
        Ok(())
    }

    /// Abandons an upload and its parts (an unknown or finished upload is fine).
    pub(crate) async fn abort(&self, upload_id: &str) -> Result<(), StorageError> {
        match self
            .store
            .abort_multipart(&self.location.path, &upload_id.to_owned())
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err((self.errors)("abort the upload of", e)),
        }
    }
}

/// A part upload's outcome: its id, and its buffer back when nothing else holds it.
type PartResult = Result<(PartId, Option<Vec<u8>>), object_store::Error>;

struct InFlight<M> {
    handle: JoinHandle<PartResult>,
    /// The resume point once this part is uploaded (its ETag still to be added).
    after: Resume<M>,
}

/// Writes chunks into parts of one upload (see the module doc).
pub struct PartWriter<M> {
    upload: Upload,
    /// The finished parts (only those whose upload succeeded).
    state: UploadState,
    /// Over every byte accepted so far (finished, in flight, buffered).
    hasher: ResumableSha256,
    buf: Vec<u8>,
    last_mark: Option<M>,
    /// Bytes of the next chunk already uploaded by an earlier attempt.
    skip: u64,
    skip_chunk_sha256: Option<String>,
    in_flight: Option<InFlight<M>>,
    /// The buffer of the last part that finished uploading, to fill again.
    spare: Option<Vec<u8>>,
    parts_sent: u64,
}

impl<M: Clone + Send + 'static> PartWriter<M> {
    /// Parts this writer uploaded.
    pub(crate) fn parts_sent(&self) -> u64 {
        self.parts_sent
    }

    /// Appends one chunk, `mark` being where the producer stands after it. Returns
    /// the newest resume point that became durable (a part finished uploading): the
    /// caller commits it with its checkpoint.
    pub async fn write_chunk(
        &mut self,
        chunk: &[u8],
        mark: M,
    ) -> Result<Option<Resume<M>>, StorageError> {
        let mut offset = 0usize;
        if self.skip > 0 {
            let expected = self.skip_chunk_sha256.take();
            let actual = hex::encode(Sha256::digest(chunk));
            if self.skip > chunk.len() as u64 || expected.as_deref() != Some(actual.as_str()) {
                return Err(StorageError::Diverged {
                    location: self.upload.location.url.clone(),
                });
            }
            offset = self.skip as usize;
            self.skip = 0;
        }
        let part_size = self.state.part_size as usize;
        let mut chunk_sha256: Option<String> = None;
        let mut newest = None;
        while offset < chunk.len() {
            let take = (part_size - self.buf.len()).min(chunk.len() - offset);
            let piece = &chunk[offset..offset + take];
            self.buf.extend_from_slice(piece);
            self.hasher.update(piece);
            offset += take;
            if self.buf.len() == part_size {
                let (resume_mark, carry, carry_sha) = if offset == chunk.len() {
                    (Some(mark.clone()), 0, None)
                } else {
                    let sha = chunk_sha256
                        .get_or_insert_with(|| hex::encode(Sha256::digest(chunk)))
                        .clone();
                    (self.last_mark.clone(), offset as u64, Some(sha))
                };
                if let Some(done) = self.seal(resume_mark, carry, carry_sha, false).await? {
                    newest = Some(done);
                }
            }
        }
        self.last_mark = Some(mark);
        Ok(newest)
    }

    /// Waits for the part in flight, if any, and returns its resume point (to
    /// checkpoint before stopping early).
    pub(crate) async fn settle(&mut self) -> Result<Option<Resume<M>>, StorageError> {
        self.drain().await
    }

    /// Uploads what is buffered as the last part, waits for every part, and returns
    /// the finished resume point: commit it, then [`Upload::complete`] its state.
    /// The writer takes no more chunks afterwards.
    pub async fn finish(&mut self) -> Result<Resume<M>, StorageError> {
        if self.skip > 0 {
            // The producer ended before regenerating what the checkpoint said it had.
            return Err(StorageError::Diverged {
                location: self.upload.location.url.clone(),
            });
        }
        // An object needs at least one part, even an empty one.
        if !self.buf.is_empty() || (self.state.parts.is_empty() && self.in_flight.is_none()) {
            let mark = self.last_mark.clone();
            self.seal(mark, 0, None, true).await?;
        }
        let last = self.drain().await?;
        match last {
            Some(mut done) => {
                done.finished = true;
                Ok(done)
            }
            // Every byte was already in finished parts (a resume at the very end).
            None => Ok(Resume {
                upload: self.state.clone(),
                mark: self.last_mark.clone(),
                carry: 0,
                carry_chunk_sha256: None,
                finished: true,
            }),
        }
    }

    /// Sends the buffer as the next part, after the previous part finished (one part
    /// in flight while the next fills). Returns the previous part's resume point.
    async fn seal(
        &mut self,
        mark: Option<M>,
        carry: u64,
        carry_chunk_sha256: Option<String>,
        last: bool,
    ) -> Result<Option<Resume<M>>, StorageError> {
        let done = self.drain().await?;
        let next = if last {
            Vec::new()
        } else {
            match self.spare.take() {
                Some(mut spare) => {
                    spare.clear();
                    spare
                }
                None => Vec::with_capacity(self.state.part_size as usize),
            }
        };
        let data = bytes::Bytes::from(std::mem::replace(&mut self.buf, next));
        let part_idx = self.state.parts.len();
        let after = Resume {
            upload: UploadState {
                bytes: self.hasher.len(),
                sha256: self.hasher.save(),
                ..self.state.clone()
            },
            mark,
            carry,
            carry_chunk_sha256,
            finished: false,
        };
        let store = self.upload.store.clone();
        let path = self.upload.location.path.clone();
        let upload_id = self.state.upload_id.clone();
        let handle = tokio::spawn(async move {
            let part = put_part_patiently(
                &*store,
                &path,
                &upload_id,
                part_idx,
                PutPayload::from_bytes(data.clone()),
            )
            .await?;
            // The request (and its payload) is gone: unless the client kept a copy,
            // this is the only handle left and the allocation comes back whole.
            Ok((part, data.try_into_mut().ok().map(Vec::from)))
        });
        self.parts_sent += 1;
        self.in_flight = Some(InFlight { handle, after });
        Ok(done)
    }

    /// Waits for the part in flight, if any, and records it as finished.
    async fn drain(&mut self) -> Result<Option<Resume<M>>, StorageError> {
        let Some(InFlight { handle, mut after }) = self.in_flight.take() else {
            return Ok(None);
        };
        let (part, buffer) = handle
            .await
            .map_err(|e| StorageError::BadCheckpoint {
                reason: format!("the part upload task failed: {e}"),
            })?
            .map_err(|e| (self.upload.errors)("upload a part of", e))?;
        if let Some(buffer) = buffer.filter(|b| b.capacity() >= self.state.part_size as usize) {
            self.spare = Some(buffer);
        }
        self.state.parts.push(part.content_id);
        self.state.bytes = after.upload.bytes;
        self.state.sha256 = after.upload.sha256.clone();
        after.upload.parts = self.state.parts.clone();
        Ok(Some(after))
    }
}

/// How long a part keeps being re-sent while the store is unreachable or failing
/// (connection refused or reset, 5xx after the client's own retries).
const PART_PATIENCE: Duration = Duration::from_secs(60);

/// Uploads one part, re-sending it while the failure is the store's (not a refusal
/// of this request: denied, not found, precondition), for up to [`PART_PATIENCE`].
///
/// Why on top of the client's retries: those give up after about half a minute of
/// backoff per request, and a part that fails fails the attempt — a store that
/// restarts (a deploy, a failover, a SeaweedFS restart in the tests) would then
/// cost the run attempts it needs for real failures. Re-sending a part is safe: it
/// carries the same bytes under the same part number, and only the part list of
/// the last checkpoint is ever completed.
async fn put_part_patiently(
    store: &dyn MultipartStore,
    path: &object_store::path::Path,
    upload_id: &str,
    part_idx: usize,
    payload: PutPayload,
) -> object_store::Result<PartId> {
    let give_up = Instant::now() + PART_PATIENCE;
    let mut pause = Duration::from_millis(500);
    loop {
        match store
            .put_part(path, &upload_id.to_owned(), part_idx, payload.clone())
            .await
        {
            Err(object_store::Error::Generic { store, source }) if Instant::now() < give_up => {
                tracing::warn!(store, error = %source, part = part_idx + 1, "a part upload failed; sending it again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            result => return result,
        }
    }
}

/// The resume point of a fresh upload: no part, the producer starts at its first
/// chunk.
impl<M> Resume<M> {
    pub fn start(upload: UploadState) -> Resume<M> {
        Resume {
            upload,
            mark: None,
            carry: 0,
            carry_chunk_sha256: None,
            finished: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::path::Path as ObjectPath;
    use object_store::{Attribute, ObjectStoreExt};

    /// Chunks of varied sizes whose bytes depend only on their index.
    fn chunk(i: usize) -> Vec<u8> {
        let len = [7, 30, 3, 64, 1, 0, 45, 12][i % 8];
        (0..len).map(|j| (i * 31 + j) as u8).collect()
    }

    fn setup() -> (Arc<InMemory>, Upload) {
        let store = Arc::new(InMemory::new());
        let location = ObjectLocation {
            url: "mem://b/o.csv".to_owned(),
            path: ObjectPath::from("o.csv"),
        };
        let upload = Upload::new(store.clone(), location, |action, source| {
            StorageError::Store {
                action,
                location: "mem://b/o.csv".to_owned(),
                endpoint: "memory".to_owned(),
                source: Box::new(source),
            }
        });
        (store, upload)
    }

    async fn object(store: &InMemory) -> Vec<u8> {
        store
            .get(&ObjectPath::from("o.csv"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    const CHUNKS: usize = 40;
    const PART: u64 = 50;

    fn whole() -> Vec<u8> {
        (0..CHUNKS).flat_map(chunk).collect()
    }

    #[tokio::test]
    async fn parts_are_cut_at_exact_sizes_and_the_object_is_the_chunks() {
        let (store, upload) = setup();
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "text/csv".into());
        let state = upload.create(attributes, PART).await.unwrap();
        let mut writer = upload.writer::<usize>(Resume::start(state)).unwrap();
        for i in 0..CHUNKS {
            writer.write_chunk(&chunk(i), i).await.unwrap();
        }
        let done = writer.finish().await.unwrap();
        let expected = whole();
        assert!(done.finished);
        assert_eq!(done.upload.bytes, expected.len() as u64);
        assert_eq!(
            done.upload.parts.len() as u64,
            (expected.len() as u64).div_ceil(PART)
        );
        assert_eq!(
            done.sha256_hex().unwrap(),
            hex::encode(Sha256::digest(&expected))
        );
        upload.complete(&done.upload).await.unwrap();
        assert_eq!(object(&store).await, expected);
    }

    /// Stops after every possible checkpoint, resumes from its serialised form with a
    /// fresh writer (another host), and checks that finished parts are not re-sent and
    /// the object is byte-identical.
    #[tokio::test]
    async fn resumes_from_every_checkpoint_without_resending_parts() {
        let expected = whole();
        let total_parts = (expected.len() as u64).div_ceil(PART);
        let mut stop_at = 0;
        loop {
            let (store, upload) = setup();
            let state = upload.create(Attributes::new(), PART).await.unwrap();
            let mut writer = upload.writer::<usize>(Resume::start(state)).unwrap();
            let mut checkpoints = Vec::new();
            for i in 0..CHUNKS {
                if let Some(r) = writer.write_chunk(&chunk(i), i).await.unwrap() {
                    checkpoints.push(serde_json::to_string(&r).unwrap());
                }
            }
            let Some(saved) = checkpoints.get(stop_at) else {
                break;
            };
            drop(writer);
            let from: Resume<usize> = serde_json::from_str(saved).unwrap();
            let finished_parts = from.upload.parts.len() as u64;
            let next = from.mark.map_or(0, |m| m + 1);
            let mut writer = upload.writer(from).unwrap();
            for i in next..CHUNKS {
                writer.write_chunk(&chunk(i), i).await.unwrap();
            }
            let done = writer.finish().await.unwrap();
            assert_eq!(
                writer.parts_sent(),
                total_parts - finished_parts,
                "stop {stop_at}: finished parts are not sent again"
            );
            assert_eq!(
                done.sha256_hex().unwrap(),
                hex::encode(Sha256::digest(&expected))
            );
            upload.complete(&done.upload).await.unwrap();
            assert_eq!(object(&store).await, expected, "stop {stop_at}");
            stop_at += 1;
        }
        assert!(stop_at >= 5, "the test saw {stop_at} checkpoints");
    }

    #[tokio::test]
    async fn a_regenerated_chunk_that_differs_is_refused() {
        let (_store, upload) = setup();
        let state = upload.create(Attributes::new(), 10).await.unwrap();
        let mut writer = upload.writer::<usize>(Resume::start(state)).unwrap();
        let first = writer.write_chunk(&[1u8; 15], 0).await.unwrap();
        assert!(first.is_none(), "the first part is still in flight");
        assert!(writer.write_chunk(&[2u8; 3], 1).await.unwrap().is_none());
        // The second part is sealed: the first one is done, cut 10 bytes into chunk 0.
        let second = writer.write_chunk(&[3u8; 4], 2).await.unwrap().unwrap();
        assert_eq!(second.mark, None);
        assert_eq!(second.carry, 10);
        let mut again = upload.writer(second.clone()).unwrap();
        let err = again.write_chunk(&[9u8; 15], 0).await.unwrap_err();
        assert!(matches!(err, StorageError::Diverged { .. }), "{err}");
        let mut again = upload.writer(second).unwrap();
        again.write_chunk(&[1u8; 15], 0).await.unwrap();
    }

    #[tokio::test]
    async fn an_empty_object_is_one_empty_part() {
        let (store, upload) = setup();
        let state = upload.create(Attributes::new(), PART).await.unwrap();
        let mut writer = upload.writer::<usize>(Resume::start(state)).unwrap();
        let done = writer.finish().await.unwrap();
        assert_eq!(done.upload.parts.len(), 1);
        upload.complete(&done.upload).await.unwrap();
        assert!(object(&store).await.is_empty());
    }
}
