//! Turns the picture a user picks into the start image Kyma's image-to-video API accepts:
//! checked before decoding, upright (EXIF), at most 2048 px on a side, opaque, JPEG under 10 MB.
//! Also reads downloaded clips: the MP4 integrity check and the video's size (`mp4`).

use crate::error_kind::ErrorKind;
pub mod hosting;
pub mod mp4;
mod pictures;
mod prepare;
mod sniff;
#[cfg(test)]
mod tests;
mod thumb;

pub use pictures::{is_picture, pictures_in, PICTURE_EXTENSIONS};
pub use prepare::{
    prepare_image_bytes, prepare_image_file, prepare_image_rgba, PreparedImage, MAX_FILE_BYTES, MAX_LONG_SIDE,
    MAX_OUTPUT_BYTES, MAX_PIXELS, MAX_SOURCE_SIDE,
};
pub use thumb::{jpeg_data_uri, thumbnail_jpeg};

/// [`prepare_image_file`] on a blocking thread, for async callers (the engine, the app).
pub async fn prepare_image_file_async(path: std::path::PathBuf) -> Result<PreparedImage, Error> {
    off_the_runtime(move || prepare_image_file(&path)).await
}

/// [`prepare_image_bytes`] on a blocking thread, for async callers (a pasted picture).
pub async fn prepare_image_bytes_async(bytes: Vec<u8>) -> Result<PreparedImage, Error> {
    off_the_runtime(move || prepare_image_bytes(&bytes)).await
}

/// [`prepare_image_rgba`] on a blocking thread, for async callers (a picture from the clipboard).
pub async fn prepare_image_rgba_async(rgba: Vec<u8>, width: u32, height: u32) -> Result<PreparedImage, Error> {
    off_the_runtime(move || prepare_image_rgba(rgba, width, height)).await
}

async fn off_the_runtime(
    work: impl FnOnce() -> Result<PreparedImage, Error> + Send + 'static,
) -> Result<PreparedImage, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(Error::Convert { technical: format!("image preparation stopped: {e}") }))
}

/// Why a picture could not be made into a start image. `Display` is the sentence shown to the
/// user; [`Error::kind`] is the stable name the UI and logs key on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The file is empty — choose an image file.")]
    Empty,

    #[error("The image file is {} MB; choose one under 100 MB.", whole_megabytes(*.bytes))]
    FileTooLarge { bytes: u64 },

    #[error("This file is not an image Kyma can use (JPEG, PNG, WebP, GIF, BMP or TIFF).")]
    NotAnImage,

    /// A real picture in a format the app does not decode (HEIC, AVIF, ICO, SVG, PDF, ...).
    #[error(
        "Kyma Studio can't use {format} files; save the picture as JPEG, PNG, WebP, GIF, BMP \
         or TIFF and try again."
    )]
    UnsupportedFormat { format: String },

    /// A supported format using a feature its decoder lacks (an odd TIFF compression, say).
    /// `technical` is the decoder's own words, for logs.
    #[error(
        "This {format} file uses a feature Kyma Studio can't read; save it as JPEG or PNG and \
         try again."
    )]
    UnsupportedVariant { format: &'static str, technical: String },

    #[error(
        "The image is {width} x {height} pixels; Kyma Studio accepts up to 16384 pixels on a \
         side and 100 megapixels in all."
    )]
    TooManyPixels { width: u32, height: u32 },

    /// Within the pixel limits but too deep to decode in the memory budget (e.g. 16-bit RGBA).
    #[error(
        "The image is {width} x {height} pixels and would need more than 512 MB of memory to \
         open; save a smaller or 8-bit copy and try again."
    )]
    TooMuchMemory { width: u32, height: u32 },

    /// `detail` finishes the user's sentence; `technical` is the decoder's own words, for logs.
    #[error("The image file is damaged or incomplete: {detail}.")]
    Corrupt { detail: &'static str, technical: Option<String> },

    /// Even the lowest quality on the ladder did not fit in [`MAX_OUTPUT_BYTES`].
    #[error("The image is too detailed to fit in 10 MB as a JPEG; choose a simpler or smaller image.")]
    OutputTooLarge,

    /// Resizing or encoding failed, which should not happen to a decoded picture. `technical`
    /// is the library's own words, for logs.
    #[error("Kyma Studio could not convert the image; try again, or save it as JPEG or PNG first.")]
    Convert { technical: String },

    #[error("Could not read the image file: {}.", io_reason(.0))]
    Io(#[source] std::io::Error),

    /// What was dropped or given is not a file on this computer (a web address, a relative
    /// path, a Windows device…): see [`crate::ospath::local_path`].
    #[error("Kyma Studio can't open that as a start image: {0}.")]
    NotLocal(crate::ospath::NotLocal),
}

impl Error {
    /// A stable machine name for the variant, for the UI's `{ kind, message }` and for logs.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Empty => ErrorKind::Empty,
            Error::FileTooLarge { .. } => ErrorKind::FileTooLarge,
            Error::NotAnImage => ErrorKind::NotAnImage,
            Error::UnsupportedFormat { .. } => ErrorKind::UnsupportedFormat,
            Error::UnsupportedVariant { .. } => ErrorKind::UnsupportedVariant,
            Error::TooManyPixels { .. } => ErrorKind::TooManyPixels,
            Error::TooMuchMemory { .. } => ErrorKind::TooMuchMemory,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::OutputTooLarge => ErrorKind::OutputTooLarge,
            Error::Convert { .. } => ErrorKind::Convert,
            Error::Io(_) | Error::NotLocal(_) => ErrorKind::Io,
        }
    }

    fn convert(technical: impl std::fmt::Display) -> Self {
        Error::Convert { technical: technical.to_string() }
    }

    fn corrupt(detail: &'static str) -> Self {
        Error::Corrupt { detail, technical: None }
    }
}

/// Rounds up, so a file just over the limit never reads "100 MB; choose one under 100 MB".
fn whole_megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// Words for the I/O failures a user can do something about; the OS text for the rest.
fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "there is no file at that path".to_owned(),
        ErrorKind::PermissionDenied => "Kyma Studio is not allowed to open it".to_owned(),
        ErrorKind::IsADirectory => "it is a folder, not a file".to_owned(),
        _ => err.to_string(),
    }
}
