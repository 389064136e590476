//! The preparation pipeline: refuse what we can from the header, decode, resize, turn upright,
//! flatten onto white and encode as JPEG. Blocking CPU work: async callers use `spawn_blocking`.

use std::io::{Cursor, Read};
use std::path::Path;

use fast_image_resize as fir;
use image::error::{ParameterError, ParameterErrorKind};
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::sniff;
use super::Error;

/// The longest side of the JPEG sent to Kyma; smaller pictures are never enlarged.
pub const MAX_LONG_SIDE: u32 = 2048;
/// The largest JPEG we send; quality steps down until the picture fits.
pub const MAX_OUTPUT_BYTES: usize = 10 * 1024 * 1024;
/// The largest file we read at all, checked before reading it.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// The longest side a source picture may have, read from its header before decoding.
pub const MAX_SOURCE_SIDE: u32 = 16384;
/// The most pixels a source picture may have, read from its header before decoding.
pub const MAX_PIXELS: u64 = 100_000_000;

const ENDS_EARLY: &str = "the file ends before the picture does";

/// The most memory a decoded picture may take; decoders are held to it too.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// The quality ladder: 90 looks like the original; the rest only matter for pathological noise.
const JPEG_QUALITIES: [u8; 6] = [90, 80, 70, 60, 50, 40];

/// A start image ready to send: a baseline JPEG of the upright, resized, opaque picture.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedImage {
    pub jpeg: Vec<u8>,
    /// Size of `jpeg`, at most [`MAX_LONG_SIDE`] on the longer side.
    pub width: u32,
    pub height: u32,
    /// Size of the picture as the user sees it (after EXIF orientation), before resizing.
    pub source_width: u32,
    pub source_height: u32,
    /// The format detected from the file's content: "jpeg", "png", "webp", "gif", "bmp" or "tiff";
    /// "rgba" for pixels that arrived decoded ([`prepare_image_rgba`]).
    pub source_format: &'static str,
}

impl PreparedImage {
    /// The JPEG as a `data:image/jpeg;base64,...` URI, the inline form the API accepts.
    pub fn data_uri(&self) -> String {
        super::jpeg_data_uri(&self.jpeg)
    }
}

// Hand-written so a log line shows the JPEG's size, not megabytes of numbers.
impl std::fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImage")
            .field("jpeg_bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("source_width", &self.source_width)
            .field("source_height", &self.source_height)
            .field("source_format", &self.source_format)
            .finish()
    }
}

/// Prepares the picture at `path`. The size is checked from metadata before anything is read,
/// and the format is decided by content, never by the file's extension.
pub fn prepare_image_file(path: &Path) -> Result<PreparedImage, Error> {
    let file = std::fs::File::open(path).map_err(Error::Io)?;
    let metadata = file.metadata().map_err(Error::Io)?;
    if metadata.is_dir() {
        return Err(Error::Io(std::io::ErrorKind::IsADirectory.into()));
    }
    check_file_size(metadata.len())?;
    // The file may grow between the check and the read; read one byte past the limit to see.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(Error::Io)?;
    prepare_image_bytes(&bytes)
}

/// Prepares a picture already in memory (a paste or a drop from another app).
pub fn prepare_image_bytes(bytes: &[u8]) -> Result<PreparedImage, Error> {
    check_file_size(bytes.len() as u64)?;

    // Default limits cap the decoders' own allocations (512 MB) but not the size, so that a
    // too-large picture gets the message below, with its size, rather than a decoder's.
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(Error::Io)?;
    let Some(format) = reader.format() else {
        return Err(match sniff::other_picture_format(bytes) {
            Some(name) => Error::UnsupportedFormat { format: name.to_owned() },
            None => Error::NotAnImage,
        });
    };
    let Some((source_format, label)) = sniff::supported_name(format) else {
        return Err(Error::UnsupportedFormat { format: sniff::display_name(format) });
    };

    if format == ImageFormat::Jpeg {
        // A cut-off JPEG decodes "successfully" with a grey bottom; catch it before spending
        // time. That takes a walk over every byte (~7 ms for 20 MB), so a file that ends the way
        // a whole JPEG does is walked beside the decoding below, on the core it leaves idle.
        let ends_with_eoi = bytes.ends_with(&[0xFF, 0xD9]);
        if !ends_with_eoi && !sniff::jpeg_reaches_end(bytes) {
            return Err(Error::corrupt(ENDS_EARLY));
        }
        // A big JPEG is decoded at a fraction of its size, its header read by that decoder (the
        // usual one copies the whole file first); anything that path does not take goes on below.
        let (whole, big) = if ends_with_eoi {
            reaches_end_beside(bytes, || decode_big_jpeg(bytes))
        } else {
            (true, decode_big_jpeg(bytes))
        };
        if !whole {
            return Err(Error::corrupt(ENDS_EARLY));
        }
        if let Some(big) = big {
            let icc_profile = big.icc_profile.as_deref();
            return finish(big.image, big.source_size, big.orientation, icc_profile, source_format);
        }
    }

    // Dimensions come from the header alone: a file claiming 20000 x 20000 pixels is refused
    // here, before a byte of pixel memory is allocated. The PNG decoder reads on to the first
    // pixel data before it reports a size, so PNG's fixed-place IHDR is read first.
    if let Some((width, height)) = sniff::png_dimensions(bytes) {
        check_dimensions(width, height)?;
    }
    let mut decoder = reader.into_decoder().map_err(|err| decode_error(err, label, None))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    // 16-bit colour and alpha can make a picture within the pixel limits too big to hold.
    if decoder.total_bytes() > MAX_DECODE_ALLOC {
        return Err(Error::TooMuchMemory { width, height });
    }
    decoder.set_limits(decode_limits()).map_err(|err| decode_error(err, label, Some((width, height))))?;

    // Broken metadata should not cost the user their picture: fall back to "as stored".
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc_profile = decoder.icc_profile().ok().flatten().filter(|profile| is_rgb_profile(profile));

    let image = decode_pixels(decoder).map_err(|err| decode_error(err, label, Some((width, height))))?;
    finish(image, (width, height), orientation, icc_profile.as_deref(), source_format)
}

/// Prepares a picture that arrives already decoded, as 8-bit RGBA rows (the OS clipboard hands
/// pictures over this way). The same limits and the same pipeline as a file, less the decoding:
/// encoding the pixels to PNG only for [`prepare_image_bytes`] to decode them again would cost
/// a 5K screenshot two passes over 59 MB and add nothing (its orientation is the screen's, it
/// has no colour profile, and the file-size limit is about files).
pub fn prepare_image_rgba(rgba: Vec<u8>, width: u32, height: u32) -> Result<PreparedImage, Error> {
    check_dimensions(width, height)?;
    let expected = u64::from(width) * u64::from(height) * 4;
    if rgba.len() as u64 != expected {
        return Err(Error::convert(format!("{width} x {height} RGBA needs {expected} bytes, got {}", rgba.len())));
    }
    let image = image::RgbaImage::from_raw(width, height, rgba)
        .ok_or_else(|| Error::convert("the RGBA buffer does not match its size"))?;
    finish(DynamicImage::ImageRgba8(image), (width, height), Orientation::NoTransforms, None, "rgba")
}

/// Resizes, turns upright and encodes a decoded picture; `source_size` is its size as stored.
fn finish(
    image: DynamicImage,
    source_size: (u32, u32),
    orientation: Orientation,
    icc_profile: Option<&[u8]>,
    source_format: &'static str,
) -> Result<PreparedImage, Error> {
    let (width, height) = source_size;
    // Resize before turning upright: the long side is the same either way, and rotating
    // a 2048 px picture is far cheaper than rotating the original.
    let rgb = resize_opaque(image, fit_within(width, height, MAX_LONG_SIDE))?;
    let upright = upright(rgb, orientation);
    let (source_width, source_height) = if swaps_sides(orientation) { (height, width) } else { (width, height) };
    let jpeg = encode_within(upright.as_raw(), upright.width(), upright.height(), icc_profile, MAX_OUTPUT_BYTES)?;

    Ok(PreparedImage {
        jpeg,
        width: upright.width(),
        height: upright.height(),
        source_width,
        source_height,
        source_format,
    })
}

fn check_file_size(bytes: u64) -> Result<(), Error> {
    if bytes == 0 {
        return Err(Error::Empty);
    }
    if bytes > MAX_FILE_BYTES {
        return Err(Error::FileTooLarge { bytes });
    }
    Ok(())
}

fn check_dimensions(width: u32, height: u32) -> Result<(), Error> {
    let too_wide = width > MAX_SOURCE_SIDE || height > MAX_SOURCE_SIDE;
    if too_wide || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Error::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(Error::corrupt("its header says it has no pixels"));
    }
    Ok(())
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Sorts a decoder's failure into what the user can do about it. `size` is known once the
/// header has been read.
fn decode_error(err: ImageError, label: &'static str, size: Option<(u32, u32)>) -> Error {
    match (err, size) {
        (ImageError::Limits(_), Some((width, height))) => Error::TooMuchMemory { width, height },
        (ImageError::Unsupported(unsupported), _) => {
            Error::UnsupportedVariant { format: label, technical: unsupported.to_string() }
        }
        (ImageError::IoError(io), _) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::Corrupt { detail: ENDS_EARLY, technical: Some(io.to_string()) }
        }
        (other, _) => {
            Error::Corrupt { detail: "its picture data could not be decoded", technical: Some(other.to_string()) }
        }
    }
}

/// Decodes the pixels. A fresh buffer for a 24 MP photo costs the (single-threaded) decoder
/// ~25 ms of page faults, so for big 8-bit RGB and RGBA pictures both cores fault it in first.
fn decode_pixels(decoder: impl ImageDecoder) -> Result<DynamicImage, ImageError> {
    const WORTH_IT: usize = 16 * 1024 * 1024;
    let (width, height) = decoder.dimensions();
    let color = decoder.color_type();
    let len = usize::try_from(decoder.total_bytes()).unwrap_or(0);
    if len < WORTH_IT || !matches!(color, ColorType::Rgb8 | ColorType::Rgba8) {
        return DynamicImage::from_decoder(decoder);
    }
    let mut pixels = faulted_in(len);
    decoder.read_image(&mut pixels)?;
    let image = if color == ColorType::Rgb8 {
        image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
    } else {
        image::RgbaImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgba8)
    };
    image.ok_or_else(|| ImageError::Parameter(ParameterError::from_kind(ParameterErrorKind::DimensionMismatch)))
}

/// Whether the JPEG reaches its end, found on a helper thread while `work` runs on this one.
fn reaches_end_beside<T>(bytes: &[u8], work: impl FnOnce() -> T) -> (bool, T) {
    std::thread::scope(|scope| {
        let walk = std::thread::Builder::new().spawn_scoped(scope, || sniff::jpeg_reaches_end(bytes));
        let result = work();
        let whole = match walk {
            Ok(walk) => walk.join().unwrap_or_else(|_| sniff::jpeg_reaches_end(bytes)),
            Err(_) => sniff::jpeg_reaches_end(bytes),
        };
        (whole, result)
    })
}

/// A big JPEG decoded at a fraction of its size, with what its header says.
struct BigJpeg {
    image: DynamicImage,
    /// The size as stored, before scaling and orientation.
    source_size: (u32, u32),
    orientation: Orientation,
    icc_profile: Option<Vec<u8>>,
}

/// Decodes a big baseline colour JPEG straight at 1/2, 1/4 or 1/8 of its size, the smallest
/// that still covers the size it is sent at: the scaled inverse DCT keeps each block's low
/// frequencies (a good low-pass filter), and the full-size picture is never built. A 24 MP
/// photo then costs 18 MB instead of 72 and a quarter of the resizing. `None` means "take the
/// usual path": a picture the header checks refuse (refused there, with the usual message), too
/// small to gain, progressive, grey or CMYK, or one this decoder cannot read (the usual decoder
/// then gives the same answer, or the same error, as without this path).
fn decode_big_jpeg(bytes: &[u8]) -> Option<BigJpeg> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_ALLOC).unwrap_or(usize::MAX));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let source_size = (u32::from(info.width), u32::from(info.height));
    let target = fit_within(source_size.0, source_size.1, MAX_LONG_SIDE);
    let baseline_colour = info.coding_process == jpeg_decoder::CodingProcess::DctSequential
        && info.pixel_format == jpeg_decoder::PixelFormat::RGB24;
    // Halving must still leave at least the target size on the long side.
    let big = source_size.0.max(source_size.1) >= 2 * target.0.max(target.1);
    if !baseline_colour || !big || check_dimensions(source_size.0, source_size.1).is_err() {
        return None;
    }
    let (width, height) = decoder.scale(u16::try_from(target.0).ok()?, u16::try_from(target.1).ok()?).ok()?;
    let (width, height) = (u32::from(width), u32::from(height));
    if (width, height) == source_size || width < target.0 || height < target.1 {
        return None;
    }
    // A decoder bug must not take the app down with it: the usual decoder gets its turn.
    let pixels = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode())).ok()?.ok()?;
    let image = image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)?;
    // Read as the usual JPEG decoder reads them (the last EXIF segment, ICC chunks in order);
    // broken metadata means "as stored" and no profile.
    let orientation = decoder.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let icc_profile = decoder.icc_profile().filter(|profile| is_rgb_profile(profile));
    Some(BigJpeg { image, source_size, orientation, icc_profile })
}

/// A zeroed buffer whose pages are already mapped: one write per page, half on a helper thread.
fn faulted_in(len: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; len];
    let (front, back) = buffer.split_at_mut(len / 2);
    // `black_box` keeps the compiler from dropping stores of zero into memory it knows is zero.
    let touch = |part: &mut [u8]| {
        for byte in part.iter_mut().step_by(4096) {
            *byte = std::hint::black_box(0);
        }
    };
    std::thread::scope(|scope| {
        // Without a helper thread the decoder faults that half in itself, as usual.
        let _ = std::thread::Builder::new().spawn_scoped(scope, || touch(front));
        touch(back);
    });
    buffer
}

/// Keeps an ICC profile only when it describes RGB data: after decoding, CMYK and grey
/// pictures are RGB, and their profiles would mislead whoever reads the JPEG.
fn is_rgb_profile(profile: &[u8]) -> bool {
    profile.get(16..20) == Some(b"RGB ".as_slice())
}

/// The size that fits `(width, height)` within `max_side` on its longer side, keeping the aspect
/// ratio; never larger than the original.
pub(super) fn fit_within(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    (scale(width), scale(height))
}

/// Resizes to `size` and drops any alpha by compositing onto white, giving 8-bit RGB.
fn resize_opaque(image: DynamicImage, size: (u32, u32)) -> Result<image::RgbImage, Error> {
    let from = (image.width(), image.height());
    // With alpha, resize first (the resizer premultiplies) and flatten the smaller picture.
    let has_alpha = image.color().has_alpha();
    let (pixels, pixel_type) = if has_alpha {
        (image.into_rgba8().into_raw(), fir::PixelType::U8x4)
    } else {
        (image.into_rgb8().into_raw(), fir::PixelType::U8x3)
    };
    let resized = resize_pixels(pixels, from, size, pixel_type)?;
    let rgb = if has_alpha { flatten_on_white(&resized) } else { resized };
    image::RgbImage::from_raw(size.0, size.1, rgb)
        .ok_or_else(|| Error::convert("the resized picture has the wrong size"))
}

/// Lanczos3 resampling of packed 8-bit pixels; hands the buffer back untouched when the size
/// does not change.
fn resize_pixels(
    pixels: Vec<u8>,
    from: (u32, u32),
    to: (u32, u32),
    pixel_type: fir::PixelType,
) -> Result<Vec<u8>, Error> {
    if from == to {
        return Ok(pixels);
    }
    let source = fir::images::ImageRef::new(from.0, from.1, &pixels, pixel_type).map_err(Error::convert)?;
    let mut target = fir::images::Image::new(to.0, to.1, pixel_type);
    let options = fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    let mut resizer = fir::Resizer::new();
    resizer.resize(&source, &mut target, &options).map_err(Error::convert)?;
    // Handing a 24 MP photo's memory back to the OS takes ~7 ms; the idle core does it while
    // this one encodes. If no thread can be started, the values drop here as usual.
    let _ = std::thread::Builder::new().name("media-free".to_owned()).spawn(move || drop((pixels, resizer)));
    Ok(target.into_vec())
}

/// Composites straight-alpha RGBA onto white, rounding to nearest.
fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for pixel in rgba.chunks_exact(4) {
        let alpha = u32::from(pixel[3]);
        for &channel in &pixel[..3] {
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(blended as u8);
        }
    }
    rgb
}

fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

fn upright(rgb: image::RgbImage, orientation: Orientation) -> image::RgbImage {
    if orientation == Orientation::NoTransforms {
        return rgb;
    }
    let mut image = DynamicImage::ImageRgb8(rgb);
    image.apply_orientation(orientation);
    image.into_rgb8()
}

/// Encodes at the first quality on the ladder whose JPEG fits in `max_bytes`.
pub(super) fn encode_within(
    rgb: &[u8],
    width: u32,
    height: u32,
    icc_profile: Option<&[u8]>,
    max_bytes: usize,
) -> Result<Vec<u8>, Error> {
    for quality in JPEG_QUALITIES {
        let jpeg = encode_jpeg(rgb, width, height, quality, icc_profile)?;
        if jpeg.len() <= max_bytes {
            return Ok(jpeg);
        }
    }
    Err(Error::OutputTooLarge)
}

/// A baseline 4:2:0 JPEG, the layout every decoder and video model reads.
fn encode_jpeg(rgb: &[u8], width: u32, height: u32, quality: u8, icc_profile: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    if let Some(jpeg) = encode_jpeg_in_halves(rgb, width, height, quality, icc_profile)? {
        return Ok(jpeg);
    }
    encode_jpeg_pass(rgb, width, height, quality, icc_profile, None)
}

/// One encoder pass; `restart_interval` (in MCUs) puts a restart marker between intervals.
fn encode_jpeg_pass(
    rgb: &[u8],
    width: u32,
    height: u32,
    quality: u8,
    icc_profile: Option<&[u8]>,
    restart_interval: Option<u16>,
) -> Result<Vec<u8>, Error> {
    let side =
        |value: u32| u16::try_from(value).map_err(|_| Error::convert(format!("{value} px is too wide for JPEG")));
    let (width, height) = (side(width)?, side(height)?);
    let mut jpeg = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    if let Some(interval) = restart_interval {
        encoder.set_restart_interval(interval);
    }
    if let Some(profile) = icc_profile {
        // A profile too big for the format is dropped; the colours stay close to right.
        let _ = encoder.add_icc_profile(profile);
    }
    encoder.encode(rgb, width, height, jpeg_encoder::ColorType::Rgb).map_err(Error::convert)?;
    Ok(jpeg)
}

/// Pictures at least this big are encoded in two halves at once, one per core (~25 ms → ~13 ms
/// for 2048 × 1365).
const HALVES_FROM_PIXELS: u64 = 1 << 20;
/// The height of a 4:2:0 MCU, the unit a restart interval counts.
const MCU_SIDE: u32 = 16;

/// Encodes the top and bottom halves at the same time and joins them into one JPEG. The restart
/// interval is the top half's MCU count, so a restart marker falls exactly between the halves;
/// there a decoder starts its DC predictions from zero again, as the bottom half's encoder did.
/// The result is byte for byte what one pass with that interval writes. `None` when the picture
/// is too small to gain, no thread can be started, or the halves' headers do not match up.
fn encode_jpeg_in_halves(
    rgb: &[u8],
    width: u32,
    height: u32,
    quality: u8,
    icc_profile: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, Error> {
    let mcu_rows = height.div_ceil(MCU_SIDE);
    if u64::from(width) * u64::from(height) < HALVES_FROM_PIXELS || mcu_rows < 2 {
        return Ok(None);
    }
    // The top half gets the extra MCU row, so the bottom half never outlasts the interval.
    let top_height = mcu_rows.div_ceil(2) * MCU_SIDE;
    let (Ok(interval), Ok(split)) = (
        u16::try_from(width.div_ceil(MCU_SIDE) * (top_height / MCU_SIDE)),
        usize::try_from(u64::from(top_height) * u64::from(width) * 3),
    ) else {
        return Ok(None);
    };
    let Some((top_rgb, bottom_rgb)) = rgb.split_at_checked(split) else {
        return Ok(None);
    };
    let (top, bottom) = std::thread::scope(|scope| {
        let bottom = std::thread::Builder::new().spawn_scoped(scope, || {
            encode_jpeg_pass(bottom_rgb, width, height - top_height, quality, icc_profile, Some(interval))
        });
        match bottom {
            Ok(bottom) => {
                let top = encode_jpeg_pass(top_rgb, width, top_height, quality, icc_profile, Some(interval));
                (Some(top), bottom.join().ok())
            }
            Err(_) => (None, None),
        }
    });
    let (Some(top), Some(bottom)) = (top, bottom) else {
        return Ok(None);
    };
    Ok(join_halves(top?, &bottom?, height))
}

/// Appends the bottom half's entropy-coded data to the top half's after a restart marker, with
/// the frame header given the whole height. The halves must share every table and setting.
fn join_halves(mut top: Vec<u8>, bottom: &[u8], height: u32) -> Option<Vec<u8>> {
    let height = u16::try_from(height).ok()?;
    let (top_scan, bottom_scan) = (scan_data_start(&top)?, scan_data_start(bottom)?);
    let mut bottom_header = bottom[..bottom_scan].to_vec();
    set_frame_height(&mut top[..top_scan], height)?;
    set_frame_height(&mut bottom_header, height)?;
    if top[..top_scan] != bottom_header[..] || !top.ends_with(&[0xFF, 0xD9]) || !bottom.ends_with(&[0xFF, 0xD9]) {
        return None;
    }
    top.truncate(top.len() - 2);
    top.extend_from_slice(&[0xFF, 0xD0]);
    top.extend_from_slice(&bottom[bottom_scan..]);
    Some(top)
}

/// The offset just past the start-of-scan segment, where the entropy-coded data begins.
fn scan_data_start(jpeg: &[u8]) -> Option<usize> {
    let (offset, length) = find_segment(jpeg, 0xDA)?;
    Some(offset + 2 + length)
}

/// Writes `height` into the baseline frame header (SOF0: precision, then height).
fn set_frame_height(header: &mut [u8], height: u16) -> Option<()> {
    let (offset, _) = find_segment(header, 0xC0)?;
    header.get_mut(offset + 5..offset + 7)?.copy_from_slice(&height.to_be_bytes());
    Some(())
}

/// The offset and length of the first marker segment `marker`, walking the segments after SOI.
fn find_segment(jpeg: &[u8], marker: u8) -> Option<(usize, usize)> {
    let mut offset = 2;
    loop {
        let &[0xFF, kind, high, low] = jpeg.get(offset..offset + 4)? else {
            return None;
        };
        let length = usize::from(u16::from_be_bytes([high, low]));
        if kind == marker {
            return Some((offset, length));
        }
        offset += 2 + length;
    }
}

#[cfg(test)]
mod scaled_decoding_tests {
    //! The shrink-on-load path for big JPEGs; the pipeline's other behaviour is in `tests.rs`.

    use image::{Rgb, RgbImage};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// Smooth gradients with some texture, and a red block in the stored top-left corner.
    fn marked_photo(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            if x < width / 8 && y < height / 8 {
                return Rgb([255, 0, 0]);
            }
            let texture = (f64::from(x) / 9.0).sin() * (f64::from(y) / 13.0).cos() * 40.0;
            let channel = |base: f64| (base + texture).clamp(0.0, 255.0) as u8;
            Rgb([
                channel(40.0 + 170.0 * f64::from(x) / f64::from(width)),
                channel(200.0 - 150.0 * f64::from(y) / f64::from(height)),
                channel(128.0),
            ])
        })
    }

    fn jpeg_of(image: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, ImageFormat::Jpeg)?;
        Ok(bytes.into_inner())
    }

    /// The JPEG with an EXIF segment saying "rotate 90° clockwise to view" right after SOI.
    fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
        let mut exif = b"Exif\0\0MM\0\x2A\0\0\0\x08".to_vec();
        exif.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let length = u16::try_from(exif.len() + 2).unwrap_or(u16::MAX);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&exif);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
        assert_eq!(a.dimensions(), b.dimensions());
        let squares: f64 =
            a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum();
        let mse = squares / a.as_raw().len() as f64;
        10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
    }

    #[test]
    fn a_big_jpeg_is_decoded_at_half_size_upright_and_close_to_the_full_decode() -> TestResult {
        let stored = marked_photo(4200, 1400);
        let jpeg = with_orientation_6(&jpeg_of(&stored)?);
        let big = decode_big_jpeg(&jpeg).ok_or("the scaled path was not taken")?;
        assert_eq!((big.image.width(), big.image.height()), (2100, 700));
        assert_eq!((big.source_size, big.orientation), ((4200, 1400), Orientation::Rotate90));

        let prepared = prepare_image_bytes(&jpeg)?;
        assert_eq!((prepared.width, prepared.height), (683, 2048));
        assert_eq!((prepared.source_width, prepared.source_height), (1400, 4200));
        let output = image::load_from_memory_with_format(&prepared.jpeg, ImageFormat::Jpeg)?.into_rgb8();
        let top_right = output.get_pixel(683 - 20, 20);
        let top_left = output.get_pixel(20, 20);
        assert!(top_right[0] > 200 && top_right[1] < 60, "top right is {top_right:?}");
        assert!(top_left[0] < 200, "top left is {top_left:?}");

        // The usual path: the whole picture decoded, then resized and turned.
        let full = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg)?;
        let reference = upright(resize_opaque(full, (2048, 683))?, Orientation::Rotate90);
        let score = psnr(&output, &reference);
        assert!(score > 40.0, "PSNR against the full decode is {score:.1} dB");
        Ok(())
    }

    #[test]
    fn small_progressive_grey_and_refused_jpegs_take_the_usual_path() -> TestResult {
        assert!(decode_big_jpeg(&jpeg_of(&marked_photo(800, 600))?).is_none());

        let encode = |width: u16, height: u16, progressive: bool, grey: bool| {
            let photo = marked_photo(width.into(), height.into());
            let mut jpeg = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
            encoder.set_progressive(progressive);
            let result = if grey {
                let luma: Vec<u8> = photo.pixels().map(|p| p[1]).collect();
                encoder.encode(&luma, width, height, jpeg_encoder::ColorType::Luma)
            } else {
                encoder.encode(photo.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
            };
            result.map(|()| jpeg)
        };
        assert!(decode_big_jpeg(&encode(4200, 1400, true, false)?).is_none());
        assert!(decode_big_jpeg(&encode(4200, 1400, false, true)?).is_none());
        assert!(decode_big_jpeg(&encode(4200, 1400, false, false)?).is_some());

        // Too wide for the header checks: refused by the usual path, with the usual message.
        let too_wide = encode(16400, 64, false, false)?;
        assert!(decode_big_jpeg(&too_wide).is_none());
        let refused = prepare_image_bytes(&too_wide);
        assert!(matches!(refused, Err(Error::TooManyPixels { width: 16400, height: 64 })), "{refused:?}");
        Ok(())
    }

    #[test]
    fn halves_encoded_at_once_make_the_jpeg_of_one_pass_with_a_restart_between_them() -> TestResult {
        let mut profile = vec![0u8; 128];
        profile[16..20].copy_from_slice(b"RGB ");
        // (width, height, MCU rows in the top half): even and odd MCU rows, ragged edges.
        for (width, height, top_rows) in [(2048, 1365, 43), (1500, 1001, 32), (1024, 1024, 32)] {
            let picture = marked_photo(width, height);
            let halves = encode_jpeg_in_halves(picture.as_raw(), width, height, 90, Some(&profile))?
                .ok_or("the picture was not encoded in halves")?;
            let interval = u16::try_from(width.div_ceil(16) * top_rows)?;
            let one_pass = encode_jpeg_pass(picture.as_raw(), width, height, 90, Some(&profile), Some(interval))?;
            assert!(halves == one_pass, "{width} x {height}: the joined halves differ from one pass");

            let plain = encode_jpeg_pass(picture.as_raw(), width, height, 90, None, None)?;
            let decoded = image::load_from_memory_with_format(&halves, ImageFormat::Jpeg)?.into_rgb8();
            let reference = image::load_from_memory_with_format(&plain, ImageFormat::Jpeg)?.into_rgb8();
            assert!(decoded == reference, "{width} x {height}: the restart marker changed the pixels");
        }
        let small = marked_photo(600, 400);
        assert!(encode_jpeg_in_halves(small.as_raw(), 600, 400, 90, None)?.is_none());
        Ok(())
    }

    #[test]
    fn a_big_jpeg_cut_off_where_something_else_ends_is_still_refused() -> TestResult {
        // Cut right after an EXIF thumbnail's own EOI: the file ends the way a whole JPEG does,
        // so the check runs beside the decoding, and must still refuse it.
        let thumbnail = jpeg_of(&marked_photo(16, 16))?;
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(&thumbnail);
        let picture = jpeg_of(&marked_photo(4200, 1400))?;
        let length = u16::try_from(exif.len() + 2)?;
        let mut jpeg = picture[..2].to_vec();
        jpeg.extend_from_slice(&[0xFF, 0xE1]);
        jpeg.extend_from_slice(&length.to_be_bytes());
        jpeg.extend_from_slice(&exif);
        let cut = jpeg.len();
        jpeg.extend_from_slice(&picture[2..]);
        assert!(jpeg[..cut].ends_with(&[0xFF, 0xD9]));

        let refused = prepare_image_bytes(&jpeg[..cut]);
        assert!(matches!(refused, Err(Error::Corrupt { detail: ENDS_EARLY, .. })), "{refused:?}");
        assert_eq!(prepare_image_bytes(&jpeg)?.width, 2048);
        Ok(())
    }
}
