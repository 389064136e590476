//! Small previews of start images for the UI: a JPEG at most `max_side` pixels on a side.

use super::Error;
use std::io::Cursor;

pub fn thumbnail_jpeg(jpeg: &[u8], max_side: u32) -> Result<Vec<u8>, Error> {
    let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).map_err(|e| Error::Corrupt {
        detail: "the start image cannot be read back",
        technical: Some(e.to_string()),
    })?;
    let small = img.thumbnail(max_side, max_side).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut out), 80)
        .encode_image(&small)
        .map_err(|e| Error::Convert { technical: e.to_string() })?;
    Ok(out)
}

/// `data:image/jpeg;base64,…` for any JPEG bytes.
pub fn jpeg_data_uri(jpeg: &[u8]) -> String {
    use base64::Engine as _;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_small_jpegs() {
        let mut jpeg = Vec::new();
        image::RgbImage::from_pixel(1600, 900, image::Rgb([10, 20, 30]))
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        let t = thumbnail_jpeg(&jpeg, 320).unwrap();
        let img = image::load_from_memory(&t).unwrap();
        assert_eq!((img.width(), img.height()), (320, 180));
        assert!(jpeg_data_uri(&t).starts_with("data:image/jpeg;base64,/9j/"));
        assert_eq!(thumbnail_jpeg(b"nope", 320).unwrap_err().kind(), "corrupt");
    }
}
