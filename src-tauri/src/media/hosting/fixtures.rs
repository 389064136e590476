//! Buckets the hosting tests share: the one in AWS's published presigning example, and a local
//! path-style server.

use super::BucketConfig;

pub const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn aws_example() -> BucketConfig {
    BucketConfig {
        endpoint: "https://s3.amazonaws.com".into(),
        bucket: "examplebucket".into(),
        region: "us-east-1".into(),
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        path_style: false,
    }
}

pub fn local() -> BucketConfig {
    BucketConfig {
        endpoint: "http://127.0.0.1:9000".into(),
        bucket: "kyma-start".into(),
        region: "us-east-1".into(),
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        path_style: true,
    }
}
