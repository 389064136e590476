//! Turns a request's `image_url` into the first frame of an image-to-video job: decodes
//! `data:` URIs, fetches loopback URLs, and accepts other HTTPS URLs (which this offline
//! simulator cannot fetch) with a generated first frame instead.

use std::io::Cursor;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::books::{ImageUrlKind, StartImage};
use crate::error::ApiError;

/// Largest image the simulator fetches or accepts.
const MAX_IMAGE_BYTES: usize = 50 * 1024 * 1024;

pub struct ResolvedImage {
    pub kind: ImageUrlKind,
    /// The URL as sent, except for `data:` URIs.
    pub url: Option<String>,
    pub image: Option<Arc<StartImage>>,
}

pub fn fetcher() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        // Loopback HTTPS servers in tests use self-signed certificates.
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap_or_default()
}

pub async fn resolve(url: &str, allow_loopback_http: bool, http: &reqwest::Client) -> Result<ResolvedImage, ApiError> {
    resolve_field("image_url", url, allow_loopback_http, http).await
}

/// Resolves an image URL sent as `field` (`image_url`, or an end frame in `extra`); error
/// messages name the field.
pub async fn resolve_field(
    field: &str,
    url: &str,
    allow_loopback_http: bool,
    http: &reqwest::Client,
) -> Result<ResolvedImage, ApiError> {
    let lower = url.to_ascii_lowercase();
    let bad_url = || {
        ApiError::invalid(
            "invalid_image_url",
            format!("{field} must be an https:// URL or a data:image/...;base64,... URI"),
        )
    };
    if lower.starts_with("data:") {
        let bytes = decode_data_uri(url).ok_or_else(bad_url)?;
        let image = inspect(bytes, field)?;
        return Ok(ResolvedImage { kind: ImageUrlKind::Data, url: None, image: Some(Arc::new(image)) });
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| bad_url())?;
    match parsed.scheme() {
        "https" => {
            // Only loopback hosts are reachable from the simulator; anything else gets a
            // generated first frame, as if the provider had fetched it.
            let image = if is_loopback(&parsed) {
                match fetch(http, parsed).await {
                    Ok(bytes) => inspect(bytes, field).ok().map(Arc::new),
                    Err(_) => None,
                }
            } else {
                None
            };
            Ok(ResolvedImage { kind: ImageUrlKind::Https, url: Some(url.to_string()), image })
        }
        "http" if allow_loopback_http && is_loopback(&parsed) => {
            let bytes = fetch(http, parsed)
                .await
                .map_err(|why| ApiError::invalid("invalid_image", format!("Could not fetch {field}: {why}")))?;
            let image = inspect(bytes, field)?;
            Ok(ResolvedImage { kind: ImageUrlKind::Http, url: Some(url.to_string()), image: Some(Arc::new(image)) })
        }
        _ => Err(bad_url()),
    }
}

fn decode_data_uri(uri: &str) -> Option<Vec<u8>> {
    let rest = uri.get("data:".len()..)?;
    let (meta, payload) = rest.split_once(',')?;
    let meta = meta.to_ascii_lowercase();
    if !meta.starts_with("image/") || !meta.ends_with(";base64") {
        return None;
    }
    let compact: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // Undecodable base64 is a bad image, not a bad URL: answer invalid_image.
    Some(base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).unwrap_or_default())
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

async fn fetch(http: &reqwest::Client, url: reqwest::Url) -> Result<Vec<u8>, String> {
    let response = http.get(url).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err("the image is larger than 50 MB".into());
    }
    Ok(bytes.to_vec())
}

/// Reads the image's format and size; fails with `invalid_image` when it is not one.
fn inspect(bytes: Vec<u8>, field: &str) -> Result<StartImage, ApiError> {
    let not_an_image = || ApiError::invalid("invalid_image", format!("{field} does not contain a readable image"));
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::invalid("invalid_image", format!("The image in {field} is larger than 50 MB")));
    }
    let format = image::guess_format(&bytes).map_err(|_| not_an_image())?;
    let ext = match format {
        image::ImageFormat::Png => "png",
        image::ImageFormat::Jpeg => "jpg",
        image::ImageFormat::WebP => "webp",
        image::ImageFormat::Gif => "gif",
        image::ImageFormat::Bmp => "bmp",
        image::ImageFormat::Tiff => "tiff",
        _ => return Err(not_an_image()),
    };
    let (width, height) =
        image::ImageReader::with_format(Cursor::new(&bytes), format).into_dimensions().map_err(|_| not_an_image())?;
    if width == 0 || height == 0 {
        return Err(not_an_image());
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    Ok(StartImage { bytes: Bytes::from(bytes), width, height, sha256, ext })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_data_uri() -> String {
        let img = image::RgbImage::from_pixel(4, 2, image::Rgb([10, 20, 30]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
    }

    #[tokio::test]
    async fn data_uri_images_are_decoded() {
        let resolved = resolve(&png_data_uri(), false, &fetcher()).await.unwrap();
        let image = resolved.image.unwrap();
        assert_eq!((image.width, image.height, image.ext), (4, 2, "png"));
        assert_eq!(resolved.kind, ImageUrlKind::Data);
    }

    #[tokio::test]
    async fn bad_urls_and_images_are_refused() {
        let http = fetcher();
        let code = |r: Result<ResolvedImage, ApiError>| r.err().map(|e| e.code);
        assert_eq!(code(resolve("ftp://x/y.png", true, &http).await), Some("invalid_image_url"));
        assert_eq!(code(resolve("http://example.com/a.png", true, &http).await), Some("invalid_image_url"));
        assert_eq!(code(resolve("http://127.0.0.1:1/a.png", false, &http).await), Some("invalid_image_url"));
        assert_eq!(code(resolve("data:text/plain;base64,aGk=", false, &http).await), Some("invalid_image_url"));
        assert_eq!(code(resolve("data:image/png;base64,aGVsbG8=", false, &http).await), Some("invalid_image"));
        let remote = resolve("https://example.com/a.png", false, &http).await.unwrap();
        assert!(remote.image.is_none());
    }
}
