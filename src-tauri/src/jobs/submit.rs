//! The request side of a job: the POST body rebuilt from its stored row (always the same
//! idempotency key), the start image made reachable for Kyma (inline data: URI, or uploaded to
//! the user's S3-compatible bucket behind a presigned link), and which failures end a job.

use super::store::{Generation, ImageKind};
use crate::api::CreateRequest;
use crate::error_kind::ErrorKind;
use crate::media::hosting::{self, BucketConfig};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;
use thiserror::Error;

/// How long the presigned GET link given to Kyma stays valid.
pub const IMAGE_LINK_TTL_S: u32 = 3600;

/// Where start images go so Kyma can fetch them.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum StartImageHost {
    /// Inline in the request as a `data:` URI (the default while no bucket is set).
    #[default]
    DataUri,
    /// The user's bucket: a presigned PUT, then a presigned GET valid one hour as `image_url`.
    Bucket { config: BucketConfig, secret: String },
}

impl fmt::Debug for StartImageHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartImageHost::DataUri => f.write_str("DataUri"),
            StartImageHost::Bucket { config, .. } => write!(f, "Bucket({} {})", config.endpoint, config.bucket),
        }
    }
}

#[derive(Debug, Error)]
pub enum PostError {
    #[error(transparent)]
    Api(#[from] crate::api::Error),
    #[error("The start image could not be uploaded to your bucket: {0}")]
    Hosting(#[from] hosting::Error),
    #[error("The start image {0} is gone from the library; make the clip again with a new image.")]
    MissingImage(String),
}

impl PostError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PostError::Api(e) => e.kind(),
            PostError::Hosting(e) => e.kind(),
            PostError::MissingImage(_) => ErrorKind::MissingImage,
        }
    }
}

/// Whether a failed POST proves Kyma holds no job for this row. On the first POST any refusal
/// does (a server never reached cannot have made one; an upload that failed means no POST left).
/// After an earlier POST a job may exist: a dead network, a replaced key or a 402 must not end
/// it; only a refusal of the request itself (validation, unknown model) is final.
pub fn is_final_refusal(e: &PostError, first: bool) -> bool {
    use crate::api::Error as E;
    match e {
        PostError::Api(api) if first => api.is_refusal(),
        PostError::Api(api) => matches!(api, E::Input(_) | E::Rejected { .. } | E::NotFound { .. }),
        PostError::Hosting(_) | PostError::MissingImage(_) => first,
    }
}

fn upload_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

/// The POST body for a stored generation: always its own idempotency key, so a replay is never
/// a new job. A bucket-hosted image is uploaded now, so the link is fresh when Kyma reads it. The
/// end frame's link goes into `extra` under the key the model's options table named.
pub async fn build_request(
    g: &Generation,
    start_images: &Path,
    host: &StartImageHost,
) -> Result<CreateRequest, PostError> {
    let image_url =
        link(g.image_kind, g.image_url.as_deref(), g.image_file.as_deref(), "", g, start_images, host).await?;
    let mut extra: Option<serde_json::Value> = g.extra_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
    if let Some(param) = &g.shot.end_image_param {
        let s = &g.shot;
        let end = link(
            s.end_image_kind,
            s.end_image_url.as_deref(),
            s.end_image_file.as_deref(),
            "-end",
            g,
            start_images,
            host,
        )
        .await?;
        if let Some(end) = end {
            let map = extra.get_or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let Some(map) = map.as_object_mut() {
                map.insert(param.clone(), serde_json::Value::String(end));
            }
        }
    }
    Ok(CreateRequest {
        model: g.model.clone(),
        prompt: g.prompt.clone(),
        duration: g.duration_s,
        image_url,
        idempotency_key: g.idempotency_key.clone(),
        extra,
    })
}

/// The link Kyma reads a frame from: the user's link, or the kept JPEG as a data: URI or uploaded
/// to the bucket (object named after the idempotency key and `suffix`).
async fn link(
    kind: ImageKind,
    url: Option<&str>,
    file: Option<&str>,
    suffix: &str,
    g: &Generation,
    start_images: &Path,
    host: &StartImageHost,
) -> Result<Option<String>, PostError> {
    Ok(match kind {
        ImageKind::None => None,
        ImageKind::Url => url.map(str::to_string),
        ImageKind::File => {
            let file = file.unwrap_or_default();
            let jpeg = std::fs::read(start_images.join(file)).map_err(|_| PostError::MissingImage(file.to_string()))?;
            Some(match host {
                StartImageHost::DataUri => crate::media::jpeg_data_uri(&jpeg),
                StartImageHost::Bucket { config, secret } => {
                    let name = format!("{}{suffix}", g.idempotency_key);
                    let key = hosting::object_key(&name, time::OffsetDateTime::now_utc());
                    hosting::upload_start_image(upload_client(), config, secret, &key, &jpeg, IMAGE_LINK_TTL_S)
                        .await?
                        .to_string()
                }
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Error as E;

    #[test]
    fn only_a_first_post_may_end_a_job_on_a_dead_network() {
        let dead = || PostError::Api(E::Unreachable { base: "x".into(), tries: 8, detail: "refused".into() });
        assert!(is_final_refusal(&dead(), true));
        assert!(!is_final_refusal(&dead(), false));
        let broke = || PostError::Api(E::InsufficientCredit { needed: None, topup_url: None });
        assert!(is_final_refusal(&broke(), true));
        assert!(!is_final_refusal(&broke(), false));
        let invalid = PostError::Api(E::Rejected { status: 400, code: None, message: "bad".into() });
        assert!(is_final_refusal(&invalid, false));
        let timeout = PostError::Api(E::Network { base: "x".into(), tries: 8, detail: "timed out".into() });
        assert!(!is_final_refusal(&timeout, true), "a timeout may have reached Kyma");
        assert!(is_final_refusal(&PostError::MissingImage("a.jpg".into()), true));
    }

    #[test]
    fn the_bucket_secret_is_never_printed() {
        let host = StartImageHost::Bucket {
            config: BucketConfig {
                endpoint: "https://s3.example.com".into(),
                bucket: "b".into(),
                region: "r".into(),
                access_key_id: "AK".into(),
                path_style: true,
            },
            secret: "very-secret".into(),
        };
        assert!(!format!("{host:?}").contains("very-secret"));
    }
}
