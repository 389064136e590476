//! Behaviour a user would notice, on fixtures made here in code: what is accepted, how it comes
//! out, and the sentence shown for each thing refused.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::prepare::{encode_within, fit_within};
use super::{
    prepare_image_bytes, prepare_image_file, prepare_image_rgba, Error, PreparedImage, MAX_LONG_SIDE, MAX_OUTPUT_BYTES,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

// ---- fixtures ---------------------------------------------------------------------------------

/// A smooth picture with some texture, so JPEG sizes look like a photo's.
fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let ripple = ((x * 7 + y * 13) % 17) as u8;
        Rgb([(x * 255 / width.max(1)) as u8 ^ ripple, (y * 255 / height.max(1)) as u8, ((x + y) % 256) as u8])
    })
}

/// Deterministic noise (xorshift), the worst case for JPEG size.
fn noise(width: u32, height: u32) -> RgbImage {
    let mut state: u32 = 0x9E37_79B9;
    RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        };
        Rgb([next(), next(), next()])
    })
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format)?;
    Ok(bytes.into_inner())
}

fn jpeg_of(image: RgbImage) -> Result<Vec<u8>, image::ImageError> {
    encode(&DynamicImage::ImageRgb8(image), ImageFormat::Jpeg)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, std::io::Error> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}

/// Inserts a JPEG segment (`FF marker`, length, payload) right after SOI.
fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(jpeg.len() + payload.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An EXIF APP1 payload holding one IFD0 entry: Orientation (0x0112) = `orientation`.
fn exif_orientation(orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // big-endian TIFF header, IFD0 at offset 8
    exif.extend_from_slice(&1u16.to_be_bytes()); // one entry
    exif.extend_from_slice(&0x0112u16.to_be_bytes()); // tag: Orientation
    exif.extend_from_slice(&3u16.to_be_bytes()); // type: SHORT
    exif.extend_from_slice(&1u32.to_be_bytes()); // count
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0]); // value padding to four bytes
    exif.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    exif
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).unwrap_or(0).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    chunk
}

/// A PNG with a valid IHDR claiming `width` x `height` pixels and no pixel data: IEND follows,
/// or with `idat`, an empty IDAT the decoder stops at before reading any pixels.
fn png_header(width: u32, height: u32, bit_depth: u8, colour_type: u8, idat: bool) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]); // deflate, adaptive, progressive
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    if idat {
        png.extend(png_chunk(b"IDAT", &[]));
    }
    png.extend(png_chunk(b"IEND", &[]));
    png
}

const TRUECOLOUR: u8 = 2;
const TRUECOLOUR_ALPHA: u8 = 6;

fn decode(prepared: &PreparedImage) -> Result<RgbImage, image::ImageError> {
    Ok(image::load_from_memory_with_format(&prepared.jpeg, ImageFormat::Jpeg)?.into_rgb8())
}

/// Every refusal is shown to a user as is: a capitalised sentence with a full stop, no debug
/// noise, and the stable kind the UI keys on.
fn assert_refused(result: Result<PreparedImage, Error>, kind: &str) -> Error {
    let err = match result {
        Ok(prepared) => panic!("expected a {kind} error, got {prepared:?}"),
        Err(err) => err,
    };
    let message = err.to_string();
    assert_eq!(err.kind(), kind, "wrong kind for: {message}");
    assert!(message.chars().next().is_some_and(char::is_uppercase), "{message}");
    assert!(message.ends_with('.') && !message.ends_with(".."), "{message}");
    assert!(message.split_whitespace().count() >= 5, "{message}");
    for noise in ["Error", "{", "Some(", "os error"] {
        assert!(!message.contains(noise), "{message}");
    }
    err
}

// ---- pictures that work -----------------------------------------------------------------------

#[test]
fn a_normal_png_and_jpeg_come_out_as_jpeg_at_the_same_size() -> TestResult {
    let dir = tempfile::tempdir()?;
    let picture = DynamicImage::ImageRgb8(photo(640, 480));
    for (format, name) in [(ImageFormat::Png, "png"), (ImageFormat::Jpeg, "jpeg")] {
        let path = write(dir.path(), &format!("picture.{name}"), &encode(&picture, format)?)?;
        let prepared = prepare_image_file(&path)?;
        assert_eq!(prepared.source_format, name);
        assert_eq!((prepared.width, prepared.height), (640, 480));
        assert_eq!((prepared.source_width, prepared.source_height), (640, 480));
        assert_eq!(decode(&prepared)?.dimensions(), (640, 480));
        assert!(prepared.jpeg.starts_with(&[0xFF, 0xD8]));
    }
    Ok(())
}

#[test]
fn every_supported_format_is_recognised_by_content() -> TestResult {
    let picture = DynamicImage::ImageRgb8(photo(64, 48));
    let cases = [
        (ImageFormat::Gif, "gif"),
        (ImageFormat::Bmp, "bmp"),
        (ImageFormat::Tiff, "tiff"),
        (ImageFormat::WebP, "webp"),
    ];
    let dir = tempfile::tempdir()?;
    for (format, name) in cases {
        // The extension lies on purpose: content decides.
        let path = write(dir.path(), &format!("{name}.jpg"), &encode(&picture, format)?)?;
        let prepared = prepare_image_file(&path)?;
        assert_eq!(prepared.source_format, name);
        assert_eq!((prepared.width, prepared.height), (64, 48), "{name}");
    }
    Ok(())
}

#[test]
fn grey_and_sixteen_bit_pictures_come_out_as_rgb_jpeg() -> TestResult {
    let grey = DynamicImage::ImageLuma8(image::GrayImage::from_fn(50, 40, |x, _| image::Luma([(x * 5) as u8])));
    let deep = DynamicImage::ImageRgb16(image::ImageBuffer::from_fn(50, 40, |x, y| {
        Rgb([(x * 1000) as u16, (y * 1000) as u16, 40_000])
    }));
    for (picture, format) in [(grey, ImageFormat::Jpeg), (deep, ImageFormat::Png)] {
        let prepared = prepare_image_bytes(&encode(&picture, format)?)?;
        assert_eq!(decode(&prepared)?.dimensions(), (50, 40));
    }
    Ok(())
}

#[test]
fn a_large_picture_is_resized_to_2048_on_the_long_side_keeping_its_shape() -> TestResult {
    for (width, height, expected) in [(2560, 1600, (2048, 1280)), (900, 2200, (838, 2048))] {
        let prepared = prepare_image_bytes(&jpeg_of(photo(width, height))?)?;
        assert_eq!((prepared.width, prepared.height), expected);
        assert_eq!((prepared.source_width, prepared.source_height), (width, height));
        assert_eq!(decode(&prepared)?.dimensions(), expected);
    }
    Ok(())
}

#[test]
fn fitting_keeps_the_aspect_ratio_and_never_upscales() {
    assert_eq!(fit_within(6000, 4000, 2048), (2048, 1365));
    assert_eq!(fit_within(4000, 6000, 2048), (1365, 2048));
    assert_eq!(fit_within(16384, 1, 2048), (2048, 1));
    assert_eq!(fit_within(2048, 2048, 2048), (2048, 2048));
    assert_eq!(fit_within(300, 7, 2048), (300, 7));
}

#[test]
fn a_small_picture_is_not_upscaled() -> TestResult {
    let prepared = prepare_image_bytes(&encode(&DynamicImage::ImageRgb8(photo(320, 200)), ImageFormat::Png)?)?;
    assert_eq!((prepared.width, prepared.height), (320, 200));
    Ok(())
}

#[test]
fn exif_orientation_6_turns_the_picture_upright() -> TestResult {
    // Stored 300 x 200 with a red block in the top-left corner; orientation 6 means "rotate 90°
    // clockwise to view", so the viewer sees 200 x 300 with the block in the top-right corner.
    let mut stored = RgbImage::from_pixel(300, 200, Rgb([0, 0, 255]));
    for y in 0..40 {
        for x in 0..40 {
            stored.put_pixel(x, y, Rgb([255, 0, 0]));
        }
    }
    let jpeg = with_segment(&jpeg_of(stored)?, 0xE1, &exif_orientation(6));

    let prepared = prepare_image_bytes(&jpeg)?;
    assert_eq!((prepared.width, prepared.height), (200, 300));
    assert_eq!((prepared.source_width, prepared.source_height), (200, 300));
    let upright = decode(&prepared)?;
    let top_right = upright.get_pixel(200 - 10, 10);
    let top_left = upright.get_pixel(10, 10);
    assert!(top_right[0] > 200 && top_right[2] < 60, "top right is {top_right:?}");
    assert!(top_left[2] > 200 && top_left[0] < 60, "top left is {top_left:?}");
    Ok(())
}

#[test]
fn transparency_is_flattened_onto_white() -> TestResult {
    // Left half fully transparent, right half half-transparent red.
    let rgba = RgbaImage::from_fn(100, 50, |x, _| if x < 50 { Rgba([0, 0, 0, 0]) } else { Rgba([255, 0, 0, 128]) });
    let png = encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png)?;

    let flat = decode(&prepare_image_bytes(&png)?)?;
    let clear = flat.get_pixel(20, 25);
    let pink = flat.get_pixel(80, 25);
    assert!(clear.0.iter().all(|&c| c >= 250), "transparent became {clear:?}");
    assert!(pink[0] >= 250 && (118..=138).contains(&pink[1]), "half red became {pink:?}");
    Ok(())
}

#[test]
fn a_large_transparent_picture_is_resized_and_flattened() -> TestResult {
    // Over 16 MB decoded, so the pixels go through the pre-faulted buffer path.
    let rgba = RgbaImage::from_fn(3000, 1400, |x, _| Rgba([0, 0, 0, if x < 1500 { 0 } else { 255 }]));
    let prepared = prepare_image_bytes(&encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png)?)?;
    assert_eq!((prepared.width, prepared.height), (2048, 956));
    let flat = decode(&prepared)?;
    assert!(flat.get_pixel(100, 300).0.iter().all(|&c| c >= 250));
    assert!(flat.get_pixel(1900, 300).0.iter().all(|&c| c <= 5));
    Ok(())
}

// ---- pixels handed over decoded (the OS clipboard) ---------------------------------------------

#[test]
fn a_5k_screenshot_from_the_clipboard_is_resized_and_flattened_like_a_file() -> TestResult {
    // 5120 x 2880 RGBA, as a 5K screen's capture arrives: a transparent left third, an opaque
    // blue rest with a red block at its top-right corner.
    let rgba = RgbaImage::from_fn(5120, 2880, |x, y| match (x, y) {
        (x, _) if x < 1700 => Rgba([0, 0, 0, 0]),
        (x, y) if x >= 4800 && y < 320 => Rgba([230, 20, 20, 255]),
        _ => Rgba([20, 40, 200, 255]),
    });
    let prepared = prepare_image_rgba(rgba.into_raw(), 5120, 2880)?;
    assert_eq!((prepared.width, prepared.height), (2048, 1152));
    assert_eq!((prepared.source_width, prepared.source_height), (5120, 2880));
    assert_eq!(prepared.source_format, "rgba");
    assert!(prepared.jpeg.len() <= MAX_OUTPUT_BYTES);
    let out = decode(&prepared)?;
    assert_eq!(out.dimensions(), (2048, 1152));
    assert!(out.get_pixel(100, 600).0.iter().all(|&c| c >= 250), "transparent became {:?}", out.get_pixel(100, 600));
    let red = out.get_pixel(2040, 20);
    assert!(red[0] > 200 && red[2] < 60, "the top-right corner is {red:?}");
    let blue = out.get_pixel(1500, 900);
    assert!(blue[2] > 180 && blue[0] < 60, "the rest is {blue:?}");
    Ok(())
}

#[test]
fn a_portrait_from_the_clipboard_keeps_its_shape() -> TestResult {
    let rgba = RgbaImage::from_pixel(900, 2200, Rgba([40, 160, 90, 255]));
    let prepared = prepare_image_rgba(rgba.into_raw(), 900, 2200)?;
    assert_eq!((prepared.width, prepared.height), (838, 2048));
    assert_eq!((prepared.source_width, prepared.source_height), (900, 2200));
    Ok(())
}

#[test]
fn clipboard_pixels_beyond_the_limits_are_refused_with_their_size() {
    // 16385 x 1: one pixel wider than any side may be (64 KB of pixels, so the test is cheap).
    let err = assert_refused(prepare_image_rgba(vec![0; 16385 * 4], 16385, 1), "too_many_pixels");
    assert!(err.to_string().contains("16385 x 1"), "{err}");
    assert_refused(prepare_image_rgba(vec![], 0, 0), "corrupt");
    // A buffer that does not hold width x height pixels is a conversion failure, not a panic.
    assert_refused(prepare_image_rgba(vec![0; 10], 2, 2), "convert");
}

#[test]
fn output_is_a_decodable_jpeg_under_10_mb_even_for_noise() -> TestResult {
    // BMP: the fixture is quick to make, and noise is what makes a JPEG big.
    let bmp = encode(&DynamicImage::ImageRgb8(noise(2048, 2048)), ImageFormat::Bmp)?;
    let prepared = prepare_image_bytes(&bmp)?;
    assert!(prepared.jpeg.len() <= MAX_OUTPUT_BYTES);
    assert_eq!(decode(&prepared)?.dimensions(), (MAX_LONG_SIDE, MAX_LONG_SIDE));
    Ok(())
}

#[test]
fn quality_steps_down_until_the_jpeg_fits_and_gives_up_past_the_ladder() -> TestResult {
    let picture = noise(256, 256);
    let best = encode_within(picture.as_raw(), 256, 256, None, usize::MAX)?;
    let smaller = encode_within(picture.as_raw(), 256, 256, None, best.len() - 1)?;
    assert!(smaller.len() < best.len());

    let result = encode_within(picture.as_raw(), 256, 256, None, 1_000);
    assert!(matches!(result, Err(Error::OutputTooLarge)), "{result:?}");
    Ok(())
}

#[test]
fn data_uri_is_base64_jpeg() -> TestResult {
    let prepared = prepare_image_bytes(&jpeg_of(photo(30, 20))?)?;
    let uri = prepared.data_uri();
    let encoded = uri.strip_prefix("data:image/jpeg;base64,").ok_or("missing data URI prefix")?;
    use base64::Engine as _;
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(encoded)?, prepared.jpeg);
    Ok(())
}

#[test]
fn an_rgb_colour_profile_is_kept_and_others_dropped() -> TestResult {
    // APP2 "ICC_PROFILE" chunk 1 of 1 carrying a 128-byte profile header of the given space.
    let with_profile = |space: &[u8; 4]| -> Result<Vec<u8>, image::ImageError> {
        let mut profile = vec![0u8; 128];
        profile[16..20].copy_from_slice(space);
        let mut app2 = b"ICC_PROFILE\0\x01\x01".to_vec();
        app2.extend_from_slice(&profile);
        Ok(with_segment(&jpeg_of(photo(40, 30))?, 0xE2, &app2))
    };
    let contains = |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);

    let kept = prepare_image_bytes(&with_profile(b"RGB ")?)?;
    assert!(contains(&kept.jpeg, b"ICC_PROFILE"));
    let dropped = prepare_image_bytes(&with_profile(b"CMYK")?)?;
    assert!(!contains(&dropped.jpeg, b"ICC_PROFILE"));
    Ok(())
}

#[test]
fn bytes_after_the_end_of_a_jpeg_are_ignored() -> TestResult {
    // Motion photos and multi-picture JPEGs carry more data after the first image's EOI.
    let mut jpeg = jpeg_of(photo(64, 64))?;
    jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42 trailing video data");
    assert_eq!(prepare_image_bytes(&jpeg)?.width, 64);
    Ok(())
}

// ---- pictures that are refused ----------------------------------------------------------------

#[test]
fn an_empty_file_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = write(dir.path(), "empty.jpg", b"")?;
    let err = assert_refused(prepare_image_file(&path), "empty");
    assert_eq!(err.to_string(), "The file is empty — choose an image file.");
    assert_refused(prepare_image_bytes(&[]), "empty");
    Ok(())
}

#[test]
fn a_file_over_100_mb_is_refused_without_reading_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("huge.jpg");
    // Sparse: a size in the metadata, no data on disk.
    std::fs::File::create(&path)?.set_len(512 * 1024 * 1024)?;
    let started = Instant::now();
    let err = assert_refused(prepare_image_file(&path), "file_too_large");
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(err.to_string(), "The image file is 512 MB; choose one under 100 MB.");
    Ok(())
}

#[test]
fn a_missing_file_or_a_folder_is_an_io_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let err = assert_refused(prepare_image_file(&dir.path().join("gone.png")), "io");
    assert!(err.to_string().contains("there is no file at that path"), "{err}");
    assert_refused(prepare_image_file(dir.path()), "io");
    Ok(())
}

#[test]
fn a_truncated_jpeg_is_corrupt() -> TestResult {
    let jpeg = jpeg_of(photo(256, 256))?;
    let err = assert_refused(prepare_image_bytes(&jpeg[..jpeg.len() / 2]), "corrupt");
    assert!(err.to_string().starts_with("The image file is damaged or incomplete: "));
    // Cut just before the final EOI marker too.
    assert_refused(prepare_image_bytes(&jpeg[..jpeg.len() - 2]), "corrupt");
    Ok(())
}

#[test]
fn a_truncated_jpeg_is_corrupt_even_with_a_complete_exif_thumbnail() -> TestResult {
    // The thumbnail's own EOI sits inside APP1 and must not count as the picture's end.
    let thumbnail = jpeg_of(photo(16, 16))?;
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&thumbnail);
    let jpeg = with_segment(&jpeg_of(photo(256, 256))?, 0xE1, &app1);
    assert_refused(prepare_image_bytes(&jpeg[..jpeg.len() * 3 / 4]), "corrupt");
    assert_eq!(prepare_image_bytes(&jpeg)?.width, 256);
    Ok(())
}

#[test]
fn a_progressive_jpeg_is_read_whole_and_refused_when_cut() -> TestResult {
    // Progressive scans put markers between runs of entropy-coded data; the end check must
    // walk past all of them.
    let picture = photo(320, 240);
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 85);
    encoder.set_progressive(true);
    encoder.encode(picture.as_raw(), 320, 240, jpeg_encoder::ColorType::Rgb)?;
    assert_eq!(prepare_image_bytes(&jpeg)?.width, 320);
    assert_refused(prepare_image_bytes(&jpeg[..jpeg.len() * 2 / 3]), "corrupt");
    Ok(())
}

#[test]
fn a_truncated_png_is_corrupt() -> TestResult {
    let png = encode(&DynamicImage::ImageRgb8(photo(256, 256)), ImageFormat::Png)?;
    assert_refused(prepare_image_bytes(&png[..png.len() / 2]), "corrupt");
    Ok(())
}

#[test]
fn a_text_file_named_png_is_not_an_image() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = write(dir.path(), "notes.png", b"Shopping list: milk, eggs, film.\n")?;
    let err = assert_refused(prepare_image_file(&path), "not_an_image");
    assert_eq!(err.to_string(), "This file is not an image Kyma can use (JPEG, PNG, WebP, GIF, BMP or TIFF).");
    Ok(())
}

#[test]
fn a_png_claiming_20000_by_20000_pixels_is_refused_at_once() -> TestResult {
    // Header only (the size comes from IHDR itself), and with the start of pixel data (the
    // size comes from the decoder's header pass).
    for idat in [false, true] {
        let png = png_header(20_000, 20_000, 8, TRUECOLOUR, idat);
        let started = Instant::now();
        let err = assert_refused(prepare_image_bytes(&png), "too_many_pixels");
        assert!(started.elapsed() < Duration::from_millis(100), "took {:?}", started.elapsed());
        assert_eq!(
            err.to_string(),
            "The image is 20000 x 20000 pixels; Kyma Studio accepts up to 16384 pixels on a \
             side and 100 megapixels in all."
        );
    }
    // Within the side limit but over 100 megapixels.
    let png = png_header(12_000, 9_000, 8, TRUECOLOUR, true);
    assert_refused(prepare_image_bytes(&png), "too_many_pixels");
    Ok(())
}

#[test]
fn a_picture_too_deep_to_hold_in_memory_is_refused_before_decoding() {
    // 90 megapixels is allowed, but at 16-bit RGBA it would need 720 MB.
    let png = png_header(10_000, 9_000, 16, TRUECOLOUR_ALPHA, true);
    let err = assert_refused(prepare_image_bytes(&png), "too_much_memory");
    assert!(err.to_string().starts_with("The image is 10000 x 9000 pixels"), "{err}");
}

#[test]
fn pictures_in_formats_kyma_does_not_read_are_named() -> TestResult {
    // A 1x1 ICO: ICONDIR, one ICONDIRENTRY, then a (never reached) bitmap.
    let ico = b"\0\0\x01\0\x01\0\x01\x01\0\0\x01\0\x20\0\x30\0\0\0\x16\0\0\0".to_vec();
    let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let cases = [(ico, "ICO"), (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(), "PDF"), (svg, "SVG"), (heic, "HEIC")];
    for (bytes, name) in cases {
        let err = assert_refused(prepare_image_bytes(&bytes), "unsupported_format");
        assert!(err.to_string().contains(name), "{err}");
    }
    // A video or a web page with an icon in it is not a picture at all.
    let mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    let html = b"<!DOCTYPE html><html><body><svg viewBox=\"0 0 1 1\"/></body></html>".to_vec();
    for bytes in [mp4, html] {
        assert_refused(prepare_image_bytes(&bytes), "not_an_image");
    }
    Ok(())
}

#[test]
fn every_refusal_reads_as_a_sentence_with_its_own_kind() {
    let io = |kind: std::io::ErrorKind| Error::Io(kind.into());
    let all = [
        Error::Empty,
        Error::FileTooLarge { bytes: 104_857_601 },
        Error::NotAnImage,
        Error::UnsupportedFormat { format: "HEIC".to_owned() },
        Error::UnsupportedVariant { format: "TIFF", technical: "JPEG-in-TIFF".to_owned() },
        Error::TooManyPixels { width: 20_000, height: 20_000 },
        Error::TooMuchMemory { width: 10_000, height: 9_000 },
        Error::corrupt("the file ends before the picture does"),
        Error::OutputTooLarge,
        Error::convert("buffer too small."),
        io(std::io::ErrorKind::NotFound),
        io(std::io::ErrorKind::PermissionDenied),
        io(std::io::ErrorKind::Other),
    ];
    let mut kinds: Vec<&str> = all.iter().map(|e| e.kind().as_str()).collect();
    for err in all {
        let kind = err.kind();
        assert_refused(Err(err), kind.as_str());
    }
    assert_eq!(
        Error::FileTooLarge { bytes: 104_857_601 }.to_string(),
        "The image file is 101 MB; choose one under 100 MB."
    );
    kinds.dedup();
    assert_eq!(kinds.len(), 11, "one kind per variant: {kinds:?}");
}

#[test]
fn garbage_after_a_valid_signature_is_corrupt_not_a_panic() -> TestResult {
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(&[0xAB; 200]);
    assert_refused(prepare_image_bytes(&fake), "corrupt");
    let mut fake = vec![0xFF, 0xD8, 0xFF];
    fake.extend_from_slice(&[0x5A; 200]);
    fake.extend_from_slice(&[0xFF, 0xD9]);
    assert_refused(prepare_image_bytes(&fake), "corrupt");
    Ok(())
}
