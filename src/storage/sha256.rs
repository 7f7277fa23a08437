//! A SHA-256 whose running state can be saved in a checkpoint and resumed on another
//! host.
//!
//! The export hashes its object while writing it (`sha256` on the export
//! row), and a takeover continues an upload without re-reading the bytes already
//! sent, so the hash must resume from the state after those bytes. `sha2::Sha256`
//! does not expose its state; [`sha2::compress256`] does the block work, and the rest
//! of SHA-256 (buffering, padding, length) is FIPS 180-4 §5–6 and fits here. The
//! unit tests check it against `sha2::Sha256` at every split point.

use crate::error::{Classify, ExitKind};
use serde::{Deserialize, Serialize};
use sha2::digest::generic_array::GenericArray;

const BLOCK: usize = 64;

/// FIPS 180-4 §5.3.3: the initial hash value.
const INITIAL: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A running SHA-256 over a byte stream.
#[derive(Clone)]
pub(crate) struct ResumableSha256 {
    state: [u32; 8],
    /// Bytes of the current, incomplete block.
    pending: Vec<u8>,
    /// Bytes hashed so far (compressed blocks and pending).
    len: u64,
}

/// The serialisable form of a [`ResumableSha256`]: the eight state words, the
/// incomplete block (hex, under 64 bytes) and the byte count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sha256State {
    pub words: [u32; 8],
    pub pending: String,
    pub len: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("the saved SHA-256 state is inconsistent: {0}")]
pub(crate) struct BadState(&'static str);

impl Classify for BadState {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Failure
    }
}

impl Default for ResumableSha256 {
    fn default() -> Self {
        ResumableSha256::new()
    }
}

impl ResumableSha256 {
    pub(crate) fn new() -> Self {
        ResumableSha256 {
            state: INITIAL,
            pending: Vec::with_capacity(BLOCK),
            len: 0,
        }
    }

    /// Bytes hashed so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if !self.pending.is_empty() {
            let take = (BLOCK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < BLOCK {
                return;
            }
            compress(&mut self.state, &self.pending);
            self.pending.clear();
        }
        let whole = data.len() / BLOCK * BLOCK;
        compress(&mut self.state, &data[..whole]);
        self.pending.extend_from_slice(&data[whole..]);
    }

    /// The digest of everything hashed so far (the running state is unchanged).
    pub(crate) fn finish(&self) -> [u8; 32] {
        let mut state = self.state;
        // Padding: 0x80, zeros to 56 mod 64, then the bit length big-endian.
        let mut tail = self.pending.clone();
        tail.push(0x80);
        while tail.len() % BLOCK != BLOCK - 8 {
            tail.push(0);
        }
        tail.extend_from_slice(&(self.len.wrapping_mul(8)).to_be_bytes());
        compress(&mut state, &tail);
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// The lowercase hex digest of everything hashed so far.
    pub(crate) fn finish_hex(&self) -> String {
        hex::encode(self.finish())
    }

    pub(crate) fn save(&self) -> Sha256State {
        Sha256State {
            words: self.state,
            pending: hex::encode(&self.pending),
            len: self.len,
        }
    }

    pub(crate) fn restore(saved: &Sha256State) -> Result<Self, BadState> {
        let pending = hex::decode(&saved.pending).map_err(|_| BadState("pending is not hex"))?;
        if pending.len() >= BLOCK {
            return Err(BadState("pending holds a whole block"));
        }
        if saved.len % BLOCK as u64 != pending.len() as u64 {
            return Err(BadState("the byte count does not match the pending bytes"));
        }
        Ok(ResumableSha256 {
            state: saved.words,
            pending,
            len: saved.len,
        })
    }
}

/// Compresses whole blocks (`data.len()` is a multiple of 64), borrowing them in place.
fn compress(state: &mut [u32; 8], data: &[u8]) {
    for block in data.chunks_exact(BLOCK) {
        sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn reference(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    #[test]
    fn matches_sha2_for_known_vectors() {
        assert_eq!(
            ResumableSha256::new().finish_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut h = ResumableSha256::new();
        h.update(b"abc");
        assert_eq!(
            h.finish_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn resumes_at_every_split_point_through_its_saved_form() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 128, 300] {
            let data = &data[..len];
            for split in 0..=len {
                let mut first = ResumableSha256::new();
                first.update(&data[..split]);
                let json = serde_json::to_string(&first.save()).unwrap();
                let saved: Sha256State = serde_json::from_str(&json).unwrap();
                let mut second = ResumableSha256::restore(&saved).unwrap();
                // Feed the rest in uneven pieces.
                for piece in data[split..].chunks(17) {
                    second.update(piece);
                }
                assert_eq!(
                    second.finish_hex(),
                    reference(data),
                    "len {len} split {split}"
                );
                assert_eq!(second.len(), len as u64);
            }
        }
    }

    #[test]
    fn refuses_an_inconsistent_state() {
        let mut h = ResumableSha256::new();
        h.update(b"hello");
        let mut saved = h.save();
        saved.len = 6;
        assert!(ResumableSha256::restore(&saved).is_err());
        saved.pending = "zz".into();
        assert!(ResumableSha256::restore(&saved).is_err());
    }
}
