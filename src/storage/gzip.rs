//! gzip for `compression = "gzip"`: each page of the export becomes one complete gzip
//! member (RFC 1952 §2.2: members concatenate, and `gzip -dc`, Python's `gzip` and
//! `flate2::read::MultiGzDecoder` read them as one stream).
//!
//! Members per page rather than one stream per file is what makes a compressed export
//! resumable: a resumed attempt starts at a page boundary, which is a member boundary,
//! so it appends members instead of having to restore a compressor's internal state.
//! Deflate's window is 32 KiB, so restarting it every page (hundreds of KiB) costs
//! next to nothing in ratio. A member's bytes are a pure function of the page's bytes
//! (fixed level, no file name, mtime 0), which a takeover relies on to regenerate a
//! page that straddles an uploaded part; the part writer verifies it by hash.

use std::io::Write;

use flate2::Compression as Level;
use flate2::GzBuilder;

/// The deflate level: zlib's default, the usual balance of speed and ratio.
const LEVEL: u32 = 6;

/// Compresses `data` into one complete gzip member, appended to `out`.
pub(crate) fn append_member(out: &mut Vec<u8>, data: &[u8]) -> std::io::Result<()> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(std::mem::take(out), Level::new(LEVEL));
    encoder.write_all(data)?;
    *out = encoder.finish()?;
    Ok(())
}

/// `data` as one gzip member.
pub(crate) fn member(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    append_member(&mut out, data)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn concatenated_members_decode_as_one_stream() {
        let pages = [
            &b"invoice_id,number\r\n"[..],
            b"inv_1,A\r\n",
            b"",
            b"inv_2,B\r\n",
        ];
        let mut object = Vec::new();
        for page in pages {
            append_member(&mut object, page).unwrap();
        }
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(&object[..])
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(text, pages.concat());
    }

    #[test]
    fn a_member_is_a_pure_function_of_its_input() {
        let page =
            b"inv_1,A,Acme,x@example.com,USD,1.00,paid,2026-01-01T00:00:00Z,\r\n".repeat(500);
        assert_eq!(member(&page).unwrap(), member(&page).unwrap());
        assert!(member(&page).unwrap().len() < page.len() / 10);
    }
}
