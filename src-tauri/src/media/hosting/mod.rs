//! Puts a prepared start image in the user's own S3-compatible bucket (S3, R2, MinIO, B2) and
//! returns a time-limited GET link for Kyma's `image_url`; SigV4 presigning by rusty-s3, no AWS SDK.

mod config;
mod error;
#[cfg(test)]
mod fixtures;
mod presign;
mod upload;

pub use config::{check_bucket_config, BucketConfig, BucketCredentials};
pub use error::Error;
pub use presign::{presign, MAX_LINK_TTL_S};
pub use upload::{object_key, upload_start_image};
