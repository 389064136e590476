//! Hosting a start image on a real S3-compatible server (s3s-fs, started here on a free loopback
//! port): upload, fetch back through the presigned GET link as Kyma would, and refusals.
//! s3s-fs checks SigV4 signatures and link expiry; install it with
//! `cargo install s3s-fs@0.14.1 --features binary --locked` (or point S3S_FS at the binary).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kyma_studio::media::hosting::{self, BucketConfig};
use time::OffsetDateTime;

const ACCESS_KEY: &str = "KYMATESTACCESSKEY";
const SECRET: &str = "kyma/test+secret/KEY";
const BUCKET: &str = "kyma-start";

/// A running s3s-fs on its own temporary root; killed when dropped.
struct S3Server {
    child: Child,
    port: u16,
    _root: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// None (with a note) when s3s-fs is not installed, outside CI; under CI its absence fails.
    fn start() -> Option<S3Server> {
        let Some(binary) = find_s3s_fs() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "s3s-fs is not installed; run `cargo install s3s-fs@0.14.1 --features binary \
                 --locked` (scripts/install-deps.sh does) or set S3S_FS"
            );
            eprintln!(
                "skipped: s3s-fs is not installed (cargo install s3s-fs@0.14.1 --features \
                 binary --locked); set CI=1 to make this a failure"
            );
            return None;
        };
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        // s3s-fs keeps each bucket as a folder: making the folder creates the bucket.
        std::fs::create_dir_all(data.join(BUCKET)).unwrap();
        let log = root.path().join("s3s-fs.log");
        let port = free_port();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {}: {err}", binary.display()));
        let mut server = S3Server { child, port, _root: root, log };
        server.wait_until_listening();
        Some(server)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("s3s-fs exited ({status}): {}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "s3s-fs did not listen on port {} within 15 s: {}",
                self.port,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn config(&self) -> BucketConfig {
        BucketConfig {
            endpoint: format!("http://127.0.0.1:{}", self.port),
            bucket: BUCKET.into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            path_style: true,
        }
    }
}

/// `S3S_FS`, else `s3s-fs` on PATH, else in cargo's bin folder.
fn find_s3s_fs() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("S3S_FS") {
        return Some(PathBuf::from(path));
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        // HOME on macOS and Linux, USERPROFILE on Windows.
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(|home| PathBuf::from(home).join(".cargo"))
        })
        .map(|home| home.join("bin"));
    let file = format!("s3s-fs{}", std::env::consts::EXE_SUFFIX); // s3s-fs.exe on Windows
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join(&file))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// JPEG-framed bytes (SOI … EOI) with a varied body, big enough to span many TCP segments.
fn start_image() -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut state: u32 = 0x1234_5678;
    jpeg.extend((0..300_000).map(|_| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    }));
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

fn unique_key(label: &str) -> String {
    let now = OffsetDateTime::now_utc();
    hosting::object_key(&format!("{label}-{}", now.unix_timestamp_nanos()), now)
}

fn with_signature_changed(url: &url::Url) -> url::Url {
    let text = url.as_str();
    let at = text.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let old = text.as_bytes()[at];
    let new = if old == b'0' { '1' } else { '0' };
    url::Url::parse(&format!("{}{new}{}", &text[..at], &text[at + 1..])).unwrap()
}

#[tokio::test]
async fn uploaded_image_comes_back_byte_for_byte_through_the_get_link() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let http = reqwest::Client::new();
    let jpeg = start_image();
    let key = unique_key("roundtrip");

    let link = hosting::upload_start_image(&http, &server.config(), SECRET, &key, &jpeg, 3600).await.unwrap();
    assert!(link.query().unwrap().contains("X-Amz-Expires=3600"));
    assert!(link.path().ends_with(&key));

    // Kyma fetches with no credentials of its own: a plain GET of the link.
    let response = reqwest::get(link.clone()).await.unwrap();
    assert_eq!(response.status(), 200, "{}", server.log_text());
    assert_eq!(response.headers()[reqwest::header::CONTENT_TYPE], "image/jpeg");
    assert!(response.bytes().await.unwrap() == jpeg);
}

#[tokio::test]
async fn a_tampered_link_or_a_wrong_secret_is_refused() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let http = reqwest::Client::new();
    let cfg = server.config();
    let key = unique_key("tamper");
    let link = hosting::upload_start_image(&http, &cfg, SECRET, &key, &start_image(), 3600).await.unwrap();
    assert_eq!(reqwest::get(link.clone()).await.unwrap().status(), 200);

    let tampered = reqwest::get(with_signature_changed(&link)).await.unwrap();
    assert_eq!(tampered.status(), 403);

    let forged = hosting::presign("GET", &cfg, "not-the-secret", &key, 3600, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(reqwest::get(forged).await.unwrap().status(), 403);

    // The upload itself with a wrong secret: refused, and the user is told to check the secret.
    let err = hosting::upload_start_image(&http, &cfg, "not-the-secret", &key, &start_image(), 3600).await.unwrap_err();
    assert_eq!(err.kind(), "wrong_secret", "{err}");
    assert!(err.to_string().contains("check the secret access key"));

    // An access key the server doesn't know: refused with the access-key advice.
    let stranger = BucketConfig { access_key_id: "SOMEONEELSE".into(), ..cfg.clone() };
    let err = hosting::upload_start_image(&http, &stranger, SECRET, &key, &start_image(), 3600).await.unwrap_err();
    assert!(err.to_string().contains("access key"), "{err}");
    // The stored image is untouched by the refused uploads.
    assert_eq!(reqwest::get(link).await.unwrap().bytes().await.unwrap(), start_image());
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let http = reqwest::Client::new();
    let cfg = server.config();
    let key = unique_key("expiry");
    hosting::upload_start_image(&http, &cfg, SECRET, &key, &start_image(), 3600).await.unwrap();

    let short = hosting::presign("GET", &cfg, SECRET, &key, 1, OffsetDateTime::now_utc()).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let response = reqwest::get(short).await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("expired"));

    // A fresh link to the same object still works, so the 403 was the expiry.
    let fresh = hosting::presign("GET", &cfg, SECRET, &key, 60, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(reqwest::get(fresh).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_sends_a_bucket_link_that_kyma_reads_the_very_image_from() {
    use kyma_studio::api::{ApiKey, Catalog, Client};
    use kyma_studio::jobs::{Draft, Engine, EngineConfig, ImageInput, StartImageHost, Status};

    let Some(s3) = S3Server::start() else { return };
    let sim = common::Sim::start(&["--job-seconds", "1", "--allow-loopback-http"]);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("start.png");
    common::write_test_png(&png, 900, 600);
    let end_png = dir.path().join("end.png");
    common::write_test_png(&end_png, 600, 400);
    let client = Client::new(&format!("{}/v1", sim.url), ApiKey::new(common::KEY)).unwrap();
    let engine = Engine::start(EngineConfig::new(dir.path().join("lib")), client, Catalog::default()).unwrap();
    engine.set_image_host(StartImageHost::Bucket { config: s3.config(), secret: SECRET.into() });
    let g = engine
        .submit(Draft {
            model: "kling-3-pro".into(),
            prompt: "from the bucket".into(),
            duration: Some(1),
            image: Some(ImageInput::File(png)),
            end_image: Some(ImageInput::File(end_png)),
            options: Default::default(),
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !engine.get(g.id).unwrap().status.is_terminal() {
        assert!(Instant::now() < deadline, "the job did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let g = engine.get(g.id).unwrap();
    assert_eq!(g.status, Status::Succeeded, "{:?}", g.error_message);
    let jobs = sim.public("/_sim/jobs").await;
    let sj = jobs.as_array().unwrap().iter().find(|j| j["idempotency_key"] == g.idempotency_key.as_str()).unwrap();
    assert_eq!(sj["image_url_kind"], "http", "Kyma got a link, not inline bytes");
    let stored = std::fs::read(engine.paths().start_images.join(g.image_file.unwrap())).unwrap();
    assert_eq!(sj["image"]["sha256"].as_str().unwrap(), common::sha256_hex(&stored), "the bucket served our JPEG");
    // The end frame is hosted the same way, as its own object, under kling-3's key.
    let end_link = sj["extra"]["end_image_url"].as_str().unwrap();
    assert!(end_link.starts_with(&s3.config().endpoint), "the end frame went as a bucket link: {end_link}");
    let stored_end = std::fs::read(engine.paths().start_images.join(g.shot.end_image_file.unwrap())).unwrap();
    assert_eq!(
        sj["end_image"]["sha256"].as_str().unwrap(),
        common::sha256_hex(&stored_end),
        "the bucket served our end frame"
    );
    assert_ne!(stored, stored_end);
}
