//! Byte-level checks the decoders don't make: naming picture formats we don't decode, and
//! telling whether a JPEG reaches its end-of-image marker.

use image::ImageFormat;

/// The formats `prepare` decodes: the name it reports as `source_format`, and the one a user
/// reads in a message.
pub(super) fn supported_name(format: ImageFormat) -> Option<(&'static str, &'static str)> {
    match format {
        ImageFormat::Jpeg => Some(("jpeg", "JPEG")),
        ImageFormat::Png => Some(("png", "PNG")),
        ImageFormat::WebP => Some(("webp", "WebP")),
        ImageFormat::Gif => Some(("gif", "GIF")),
        ImageFormat::Bmp => Some(("bmp", "BMP")),
        ImageFormat::Tiff => Some(("tiff", "TIFF")),
        _ => None,
    }
}

/// A user-facing name for a format the `image` crate recognises but this app does not decode.
pub(super) fn display_name(format: ImageFormat) -> String {
    match format {
        ImageFormat::Avif => "AVIF".to_owned(),
        ImageFormat::Ico => "ICO (icon)".to_owned(),
        ImageFormat::OpenExr => "OpenEXR".to_owned(),
        ImageFormat::Hdr => "Radiance HDR".to_owned(),
        ImageFormat::Pnm => "PNM".to_owned(),
        ImageFormat::Qoi => "QOI".to_owned(),
        ImageFormat::Dds => "DDS".to_owned(),
        ImageFormat::Farbfeld => "Farbfeld".to_owned(),
        other => other.extensions_str().first().map_or_else(|| "this kind of".to_owned(), |ext| ext.to_uppercase()),
    }
}

/// Width and height from a PNG's IHDR, which the format fixes as the first chunk.
pub(super) fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    Some((be(16)?, be(20)?))
}

/// Names common picture-like files the `image` crate does not recognise at all, so the user is
/// told "HEIC" rather than "not an image". Decided by content only.
pub(super) fn other_picture_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        // ISO-BMFF: the major brand says what the box holds (videos fall through to None).
        return match &bytes[8..12] {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => Some("HEIC"),
            b"mif1" | b"msf1" => Some("HEIF"),
            _ => None,
        };
    }
    if bytes.starts_with(b"%PDF-") {
        return Some("PDF");
    }
    if bytes.starts_with(b"8BPS") {
        return Some("Photoshop (PSD)");
    }
    if bytes.starts_with(&[0xFF, 0x0A]) || bytes.starts_with(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some("JPEG XL");
    }
    if looks_like_svg(bytes) {
        return Some("SVG");
    }
    None
}

/// SVG is text: an `<svg` element near the start, after any XML prolog or comments, and not
/// inside a web page.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with('<') && head.contains("<svg") && !head.contains("<html")
}

/// Whether a JPEG's marker structure reaches EOI (`FF D9`). The decoder is lenient and fills a
/// cut-off scan with grey, so a half-downloaded photo would otherwise pass as a good one.
///
/// Segments are skipped by their length, so an EXIF thumbnail's own EOI is not mistaken for
/// ours; inside entropy-coded data `FF` is always followed by `00` or a restart marker, so the
/// first other marker there is real. Bytes after EOI (MPF images, motion-photo video) are fine.
pub(super) fn jpeg_reaches_end(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            // Entropy-coded data (or junk the decoder tolerates): jump to the next 0xFF.
            match bytes[i..].iter().position(|&b| b == 0xFF) {
                Some(offset) => i += offset,
                None => return false,
            }
            continue;
        }
        match bytes[i + 1] {
            0xD9 => return true,
            // Fill byte, stuffed zero, TEM and restart markers stand alone, with no length.
            0xFF => i += 1,
            0x00 | 0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return false;
                }
                i += 2 + len;
            }
        }
    }
    false
}
