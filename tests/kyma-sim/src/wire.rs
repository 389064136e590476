//! Broken transfers: answers whose body stops short of the promised Content-Length and then
//! fails, so hyper aborts the connection and the client sees an error, not a response.

use std::io;

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use bytes::Bytes;

/// A body that yields `sent` bytes of `bytes` and then fails.
pub fn cut_short(bytes: Bytes, sent: usize) -> Body {
    let head = bytes.slice(..sent.min(bytes.len()));
    let chunks: Vec<Result<Bytes, io::Error>> =
        vec![Ok(head), Err(io::Error::new(io::ErrorKind::ConnectionReset, "kyma-sim: injected connection reset"))];
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// The same answer, but the connection drops after a few bytes of the body.
pub async fn reset(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len().max(1)));
    let sent = (bytes.len() / 4).min(8);
    Response::from_parts(parts, cut_short(bytes, sent))
}
