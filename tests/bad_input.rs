//! Acceptance: every bad input gets one clear line on stderr and the documented exit code,
//! nothing is charged, and no generation is left looking like it will still run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, Kyma, Sim};
use std::path::{Path, PathBuf};

struct Case {
    name: &'static str,
    args: Vec<String>,
    key: Option<&'static str>,
    api: Option<String>,
    code: i32,
    says: &'static str,
}

fn gen(model: &str, prompt: &str, extra: &[&str]) -> Vec<String> {
    let mut v = vec!["generate".to_string(), "--model".into(), model.into(), "--prompt".into(), prompt.into()];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn image_arg(p: &Path) -> Vec<String> {
    gen("kling-3-pro", "animate this", &["--image", p.to_str().unwrap()])
}

/// Writes the bad image files; returns their paths by name.
fn fixtures(dir: &Path) -> std::collections::HashMap<&'static str, PathBuf> {
    let mut m = std::collections::HashMap::new();
    let p = |n: &str| dir.join(n);
    std::fs::write(p("empty.png"), b"").unwrap();
    m.insert("empty", p("empty.png"));

    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 30]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    std::fs::write(p("truncated.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    m.insert("truncated", p("truncated.jpg"));

    std::fs::write(p("notes.png"), b"these are my notes, not a picture\n").unwrap();
    m.insert("text_as_png", p("notes.png"));

    // A PNG whose header claims 20000 x 20000 pixels (valid CRC, no pixel data).
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&20000u32.to_be_bytes());
    ihdr.extend_from_slice(&20000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.to_be_bytes());
    std::fs::write(p("huge.png"), png).unwrap();
    m.insert("huge_dimensions", p("huge.png"));

    std::fs::write(
        p("drawing.svg"),
        b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
    )
    .unwrap();
    m.insert("svg", p("drawing.svg"));
    std::fs::write(p("doc.pdf"), b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").unwrap();
    m.insert("pdf", p("doc.pdf"));

    // 101 MB, sparse: refused by its size before it is read.
    let big = std::fs::File::create(p("giant.jpg")).unwrap();
    big.set_len(101 * 1024 * 1024).unwrap();
    m.insert("giant_file", p("giant.jpg"));

    std::fs::create_dir(p("folder.png")).unwrap();
    m.insert("directory", p("folder.png"));
    m.insert("missing", p("does-not-exist.jpg"));
    m
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_get_a_clear_message_and_cost_nothing() {
    let sim = Sim::start(&["--job-seconds", "1", "--key", "ky-broke-key=0"]);
    let files_dir = tempfile::tempdir().unwrap();
    let f = fixtures(files_dir.path());
    let long = "a".repeat(4001);
    let c = |name, args: Vec<String>, code, says| Case { name, args, key: None, api: None, code, says };
    let mut cases = vec![
        c("empty prompt", gen("kling-3-pro", "", &[]), 2, "Write a prompt: it cannot be empty."),
        c("blank prompt", gen("kling-3-pro", "   \n\t ", &[]), 2, "Write a prompt: it cannot be empty."),
        c(
            "4001-character prompt",
            gen("kling-3-pro", &long, &[]),
            2,
            "The prompt is 4001 characters long; Kyma accepts at most 4000.",
        ),
        c(
            "duration 0",
            gen("kling-3-pro", "x", &["--duration", "0"]),
            2,
            "kling-3-pro does not make 0-second clips; choose 1–10 s.",
        ),
        c(
            "duration 11",
            gen("seedance-2-pro", "x", &["--duration", "11"]),
            2,
            "seedance-2-pro does not make 11-second clips",
        ),
        c("duration not a number", gen("kling-3-pro", "x", &["--duration", "five"]), 2, "invalid value 'five'"),
        c("negative duration", gen("kling-3-pro", "x", &["--duration", "-3"]), 2, "unexpected argument '-3'"),
        c("unknown model", gen("sora-2", "x", &[]), 2, "There is no model called \"sora-2\""),
        c("zero-byte image", image_arg(&f["empty"]), 2, "The file is empty — choose an image file."),
        c("truncated JPEG", image_arg(&f["truncated"]), 2, "The image file is damaged or incomplete"),
        c("text file named .png", image_arg(&f["text_as_png"]), 2, "This file is not an image Kyma can use"),
        c("PNG claiming 20000x20000", image_arg(&f["huge_dimensions"]), 2, "The image is 20000 x 20000 pixels"),
        c("SVG image", image_arg(&f["svg"]), 2, "can't use SVG files"),
        c("PDF as image", image_arg(&f["pdf"]), 2, "can't use PDF files"),
        c("101 MB image file", image_arg(&f["giant_file"]), 2, "choose one under 100 MB"),
        c("a folder as image", image_arg(&f["directory"]), 2, "Could not read the image file"),
        c("missing image file", image_arg(&f["missing"]), 2, "Could not read the image file"),
        c(
            "http image link",
            gen("kling-3-pro", "x", &["--image", "http://example.com/a.jpg"]),
            2,
            "must be an https:// address",
        ),
        c(
            "file:// image link",
            gen("kling-3-pro", "x", &["--image", "file:///etc/passwd"]),
            2,
            "must be an https:// address",
        ),
        c("missing prompt flag", vec!["generate".into(), "--model".into(), "kling-3-pro".into()], 2, "--prompt"),
    ];
    cases.push(Case {
        key: Some("ky-wrong-key-123456"),
        ..c("wrong key", gen("kling-3-pro", "x", &[]), 3, "Kyma did not accept the API key")
    });
    cases.push(Case {
        key: Some("sk-not-a-kyma-key"),
        ..c("key of another service", gen("kling-3-pro", "x", &[]), 3, "Kyma did not accept the API key")
    });
    cases.push(Case {
        key: Some("ky-broke-key"),
        ..c("no credit", gen("kling-3-pro", "x", &[]), 3, "Your Kyma balance is too low for this clip")
    });
    cases.push(Case {
        api: Some("http://127.0.0.1:9/v1".into()),
        ..c("unreachable server", gen("kling-3-pro", "x", &[]), 4, "Could not reach Kyma at http://127.0.0.1:9/v1")
    });
    cases.push(Case {
        api: Some("kymaapi.com".into()),
        ..c("API base not a URL", gen("kling-3-pro", "x", &[]), 2, "is not an http(s) URL")
    });
    assert!(cases.len() >= 20);

    let before = sim.ledger().await;
    for case in &cases {
        let mut kyma = Kyma::with_key(&sim, case.key.unwrap_or(common::KEY));
        if let Some(api) = &case.api {
            kyma.api = api.clone();
        }
        let out = kyma.run(&case.args.iter().map(String::as_str).collect::<Vec<_>>());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(case.code), "{}: exit code; stderr: {err}", case.name);
        assert!(err.contains(case.says), "{}: stderr does not say {:?}: {err}", case.name, case.says);
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{}: {err}", case.name);
        let error_lines = err.lines().filter(|l| l.starts_with("kyma: ") || l.starts_with("error:")).count();
        assert_eq!(error_lines, 1, "{}: one clear error line: {err}", case.name);
        for job in kyma.jobs() {
            let status = job["status"].as_str().unwrap();
            assert!(
                !["queued", "pending", "processing", "downloading"].contains(&status),
                "{}: a job row still looks runnable: {job}",
                case.name
            );
        }
    }
    let after = sim.ledger().await;
    assert_eq!(before, after, "bad inputs changed the ledger");
}
