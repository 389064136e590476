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
    /// The format detected from the file's content: "jpeg", "png", "webp", "gif", "bmp" or "tiff".
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

    // A cut-off JPEG decodes "successfully" with a grey bottom; catch it before spending time.
    if format == ImageFormat::Jpeg && !sniff::jpeg_reaches_end(bytes) {
        return Err(Error::corrupt(ENDS_EARLY));
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

    // Resize before turning upright: the long side is the same either way, and rotating
    // a 2048 px picture is far cheaper than rotating the original.
    let rgb = resize_opaque(image, fit_within(width, height, MAX_LONG_SIDE))?;
    let upright = upright(rgb, orientation);
    let (source_width, source_height) = if swaps_sides(orientation) { (height, width) } else { (width, height) };
    let jpeg =
        encode_within(upright.as_raw(), upright.width(), upright.height(), icc_profile.as_deref(), MAX_OUTPUT_BYTES)?;

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
    let side =
        |value: u32| u16::try_from(value).map_err(|_| Error::convert(format!("{value} px is too wide for JPEG")));
    let (width, height) = (side(width)?, side(height)?);
    let mut jpeg = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    if let Some(profile) = icc_profile {
        // A profile too big for the format is dropped; the colours stay close to right.
        let _ = encoder.add_icc_profile(profile);
    }
    encoder.encode(rgb, width, height, jpeg_encoder::ColorType::Rgb).map_err(Error::convert)?;
    Ok(jpeg)
}
