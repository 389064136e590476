//! `GET /files/{job_id}/{token}.mp4`: the CDN side. No authentication, tokens that may
//! expire, byte ranges, and injected truncation.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::app::SharedSim;
use crate::clips::{caption, ClipSpec};
use crate::error::ApiError;
use crate::faults::Hostile;
use crate::wire;

pub async fn download(
    State(sim): State<SharedSim>,
    Path((job_id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (job_id, file) = (crate::app::last_segment(&job_id).to_string(), crate::app::last_segment(&file).to_string());
    let forbidden = |code, message: &str| {
        ApiError::new(StatusCode::FORBIDDEN, "invalid_request_error", code, message).into_response()
    };
    let Some(token) = file.strip_suffix(".mp4") else {
        return forbidden("invalid_url", "This link is not valid");
    };
    let spec = {
        let mut books = sim.books();
        match books.token_valid(&job_id, token, sim.clock.now()) {
            None => return forbidden("invalid_url", "This link is not valid"),
            Some(false) => {
                books.stats.expired_url_refusals += 1;
                return forbidden("url_expired", "This link has expired; fetch the job again for a fresh URL");
            }
            Some(true) => {}
        }
        let Some(index) = books.job_index(&job_id) else {
            return forbidden("invalid_url", "This link is not valid");
        };
        books.jobs[index].downloads += 1;
        // Where each GET asked to start: a resumed download asks from where it stopped.
        let from = headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.trim().strip_prefix("bytes=")?.split('-').next()?.trim().parse::<u64>().ok())
            .unwrap_or(0);
        books.jobs[index].range_starts.push(from);
        let job = &books.jobs[index];
        let request = &job.request;
        let spec = ClipSpec {
            width: request.width,
            height: request.height,
            audio: request.model.audio,
            duration_s: request.duration,
            image: request.image.clone(),
            end_image: request.end_image.clone(),
            caption: caption(&request.prompt),
        };
        books.stats.downloads += 1;
        spec
    };
    let hostile = sim.faults().profile().hostile;
    match hostile {
        Some(Hostile::Html) => {
            let page = "<!doctype html><title>Sign in</title><p>Please sign in to download.</p>";
            return (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
        }
        Some(Hostile::RedirectFtp) => {
            return (StatusCode::FOUND, [(header::LOCATION, "ftp://127.0.0.1/clips/job.mp4")]).into_response();
        }
        Some(Hostile::Endless) => {
            // A real clip's bytes, then zeros for as long as anyone reads; no Content-Length.
            use futures_util::StreamExt as _;
            let clip = match sim.renderer.clip(&spec).await {
                Ok(path) => tokio::fs::read(&path).await.unwrap_or_default(),
                Err(_) => vec![],
            };
            let head = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(clip))]);
            let zeros = futures_util::stream::repeat_with(|| Ok(Bytes::from_static(&ZEROS)));
            let mut response = (StatusCode::OK, Body::from_stream(head.chain(zeros))).into_response();
            insert(&mut response, header::CONTENT_TYPE, "video/mp4");
            return response;
        }
        Some(Hostile::HugeLength) => {
            // The headers and 1 KiB go out, then nothing more: the 5 GiB never come.
            use futures_util::StreamExt as _;
            let head = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 1024]))]);
            let hang_up = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
            let mut response = (StatusCode::OK, Body::from_stream(head.chain(hang_up))).into_response();
            insert(&mut response, header::CONTENT_TYPE, "video/mp4");
            insert(&mut response, header::CONTENT_LENGTH, "5368709120");
            return response;
        }
        _ => {}
    }
    let clip = match sim.renderer.clip(&spec).await {
        Ok(path) => tokio::fs::read(&path).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let clip = match clip {
        Ok(bytes) => Bytes::from(bytes),
        Err(why) => {
            eprintln!("kyma-sim: cannot render clip for {job_id}: {why}");
            let e = ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "render_failed", why);
            return e.into_response();
        }
    };
    let pad_to = sim.faults().profile().clip_pad_to_bytes;
    if pad_to > clip.len() as u64 + 16 {
        return padded(clip, pad_to, headers.get(header::RANGE).and_then(|v| v.to_str().ok()), &sim);
    }
    let total = clip.len() as u64;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, body, content_range) = match range.map(|r| parse_range(r, total)) {
        None | Some(ByteRange::Whole) => (StatusCode::OK, clip, None),
        Some(ByteRange::Part(start, end)) => (
            StatusCode::PARTIAL_CONTENT,
            clip.slice(start as usize..=end as usize),
            Some(format!("bytes {start}-{end}/{total}")),
        ),
        Some(ByteRange::Unsatisfiable) => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalid_request_error",
                "range_not_satisfiable",
                "The requested range is outside the file",
            )
            .into_response();
            insert(&mut response, header::CONTENT_RANGE, &format!("bytes */{total}"));
            return response;
        }
    };
    let truncate = sim.faults().draw_truncate();
    let promised = body.len();
    {
        let mut books = sim.books();
        books.stats.range_downloads += u64::from(status == StatusCode::PARTIAL_CONTENT);
        books.stats.bytes_served += (if truncate { promised / 2 } else { promised }) as u64;
    }
    let rate = sim.faults().profile().clip_bytes_per_s;
    let body = if truncate {
        sim.books().stats.injected_truncate += 1;
        wire::cut_short(body, promised / 2)
    } else if rate > 0 {
        throttled(std::iter::once(body), rate)
    } else {
        Body::from(body)
    };
    let mut response = (status, body).into_response();
    insert(&mut response, header::CONTENT_TYPE, "video/mp4");
    insert(&mut response, header::CONTENT_LENGTH, &promised.to_string());
    insert(&mut response, header::ACCEPT_RANGES, "bytes");
    if let Some(content_range) = content_range {
        insert(&mut response, header::CONTENT_RANGE, &content_range);
    }
    response
}

static ZEROS: [u8; 1 << 20] = [0; 1 << 20];

/// `clip_bytes_per_s`: `chunks` sent in 16 KiB pieces, each after the time it takes at `rate`.
fn throttled(chunks: impl Iterator<Item = Bytes> + Send + 'static, rate: u64) -> Body {
    use futures_util::StreamExt as _;
    const PIECE: usize = 16 * 1024;
    let pieces = chunks.flat_map(|c| {
        let n = c.len().div_ceil(PIECE);
        (0..n).map(move |i| c.slice(i * PIECE..((i + 1) * PIECE).min(c.len())))
    });
    let stream = futures_util::stream::iter(pieces).then(move |piece| async move {
        tokio::time::sleep(std::time::Duration::from_secs_f64(piece.len() as f64 / rate as f64)).await;
        Ok::<_, std::io::Error>(piece)
    });
    Body::from_stream(stream)
}

/// `clip_pad_to_bytes`: the clip, then one `free` box filling the file up to `total` bytes, sent
/// as a stream (whole or one range) without holding the file in memory.
fn padded(clip: Bytes, total: u64, range: Option<&str>, sim: &SharedSim) -> Response {
    let pad = total - clip.len() as u64;
    let free_header: Vec<u8> = match u32::try_from(pad) {
        Ok(size) => [&size.to_be_bytes()[..], b"free"].concat(),
        Err(_) => [&1u32.to_be_bytes()[..], b"free", &pad.to_be_bytes()[..]].concat(),
    };
    let head = Bytes::from([&clip[..], &free_header[..]].concat());
    let (status, start, end, content_range) = match range.map(|r| parse_range(r, total)) {
        None | Some(ByteRange::Whole) => (StatusCode::OK, 0, total - 1, None),
        Some(ByteRange::Part(start, end)) => {
            (StatusCode::PARTIAL_CONTENT, start, end, Some(format!("bytes {start}-{end}/{total}")))
        }
        Some(ByteRange::Unsatisfiable) => {
            let mut response = (StatusCode::RANGE_NOT_SATISFIABLE, "").into_response();
            insert(&mut response, header::CONTENT_RANGE, &format!("bytes */{total}"));
            return response;
        }
    };
    let length = end - start + 1;
    {
        let mut books = sim.books();
        books.stats.range_downloads += u64::from(status == StatusCode::PARTIAL_CONTENT);
        books.stats.bytes_served += length;
    }
    let head_len = head.len() as u64;
    let from_head =
        if start < head_len { Some(head.slice(start as usize..(end + 1).min(head_len) as usize)) } else { None };
    let mut zeros_left = (end + 1).saturating_sub(head_len.max(start));
    let zeros = std::iter::from_fn(move || {
        let n = zeros_left.min(ZEROS.len() as u64);
        zeros_left -= n;
        (n > 0).then(|| Bytes::from_static(&ZEROS[..n as usize]))
    });
    let chunks = from_head.into_iter().chain(zeros);
    let rate = sim.faults().profile().clip_bytes_per_s;
    let body = if rate > 0 {
        throttled(chunks, rate)
    } else {
        Body::from_stream(futures_util::stream::iter(chunks.map(Ok::<_, std::io::Error>)))
    };
    let mut response = (status, body).into_response();
    insert(&mut response, header::CONTENT_TYPE, "video/mp4");
    insert(&mut response, header::CONTENT_LENGTH, &length.to_string());
    insert(&mut response, header::ACCEPT_RANGES, "bytes");
    if let Some(content_range) = content_range {
        insert(&mut response, header::CONTENT_RANGE, &content_range);
    }
    response
}

fn insert(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[derive(Debug, PartialEq, Eq)]
enum ByteRange {
    /// No usable single range: serve the whole file.
    Whole,
    /// Inclusive first and last byte.
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(header: &str, len: u64) -> ByteRange {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    match (first.trim(), last.trim()) {
        ("", "") => ByteRange::Whole,
        ("", suffix) => match suffix.parse::<u64>() {
            Ok(0) => ByteRange::Unsatisfiable,
            Ok(_) if len == 0 => ByteRange::Unsatisfiable,
            Ok(n) => ByteRange::Part(len - n.min(len), len - 1),
            Err(_) => ByteRange::Whole,
        },
        (first, last) => {
            let Ok(start) = first.parse::<u64>() else {
                return ByteRange::Whole;
            };
            let end = if last.is_empty() {
                u64::MAX
            } else {
                match last.parse::<u64>() {
                    Ok(end) if end >= start => end,
                    _ => return ByteRange::Whole,
                }
            };
            if start >= len {
                ByteRange::Unsatisfiable
            } else {
                ByteRange::Part(start, end.min(len - 1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), ByteRange::Part(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), ByteRange::Part(900, 999));
        assert_eq!(parse_range("bytes=900-5000", 1000), ByteRange::Part(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), ByteRange::Part(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), ByteRange::Part(0, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-2", 1000), ByteRange::Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), ByteRange::Whole);
        assert_eq!(parse_range("items=0-1", 1000), ByteRange::Whole);
    }
}
