//! Starts a kyma-sim process for one test and talks to it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const KEY: &str = "ky-sim-key";

/// The kyma-sim binary: Cargo names it for kyma-sim's own tests; the app's tests (which include
/// this file) find it beside their own executable, in the same target directory.
pub fn sim_binary() -> std::path::PathBuf {
    if let Some(p) = option_env!("CARGO_BIN_EXE_kyma-sim") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let p = dir.join(format!("kyma-sim{}", std::env::consts::EXE_SUFFIX));
    assert!(p.exists(), "{} is missing: run `cargo build -p kyma-sim` first", p.display());
    p
}

pub struct Sim {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    _cache: tempfile::TempDir,
    pub url: String,
    pub http: reqwest::Client,
}

impl Sim {
    /// `kyma-sim --listen 127.0.0.1:0 --key ky-sim-key --cache-dir <temp> <args>`.
    pub fn start(args: &[&str]) -> Sim {
        Sim::start_bin(&sim_binary(), args)
    }

    /// The same with a given kyma-sim (a benchmark runs the release build).
    pub fn start_bin(bin: &std::path::Path, args: &[&str]) -> Sim {
        let cache = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0", "--key", KEY, "--cache-dir"])
            .arg(cache.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kyma-sim starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("kyma-sim listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Sim { child, _stdout: stdout, _cache: cache, url, http: reqwest::Client::new() }
    }

    pub async fn post(&self, key: &str, body: Value) -> reqwest::Response {
        self.post_raw(key, body.to_string()).await
    }

    pub async fn post_raw(&self, key: &str, body: String) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/videos/generations", self.url))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a job that must be accepted; returns the job object.
    pub async fn create(&self, body: Value) -> Value {
        let response = self.post(KEY, body).await;
        assert_eq!(response.status(), 202);
        response.json().await.unwrap()
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.url)).bearer_auth(key).send().await.unwrap()
    }

    pub async fn job(&self, key: &str, id: &str) -> Value {
        let response = self.get(key, &format!("/v1/jobs/{id}")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Polls until the job is terminal and, when succeeded, has its URL.
    pub async fn finish(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let job = self.job(KEY, id).await;
            let status = job["status"].as_str().unwrap().to_string();
            let done = match status.as_str() {
                "succeeded" => !job["output"].is_null(),
                "failed" | "refunded" | "expired" => true,
                _ => false,
            };
            if done {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} still {status}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A public (unauthenticated) GET answering JSON.
    pub async fn public(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.url)).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn ledger(&self) -> Value {
        self.public(&format!("/_sim/ledger?api_key={KEY}")).await
    }

    /// The `/v1` requests the simulator saw, as "METHOD /path" with the path exactly as sent.
    pub async fn requests(&self) -> Vec<String> {
        let list = self.public("/_sim/requests").await;
        let line = |r: &Value| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap());
        list.as_array().unwrap().iter().map(line).collect()
    }

    pub async fn set_faults(&self, profile: Value) {
        let response = self.http.put(format!("{}/_sim/faults", self.url)).json(&profile).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    /// Downloads a URL without credentials, as a client downloads from a CDN.
    pub async fn download(&self, url: &str) -> Vec<u8> {
        let response = self.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap().to_vec()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (kind, micros) of each ledger entry.
pub fn entries(ledger: &Value) -> Vec<(String, i64)> {
    ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["micros"].as_i64().unwrap()))
        .collect()
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

pub fn t2v(model: &str, duration: i64) -> Value {
    json!({ "model": model, "prompt": "a lighthouse at dusk, waves", "duration": duration })
}
