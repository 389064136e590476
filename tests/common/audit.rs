//! The crash audit: after a process was killed and restarted, compare what Kyma holds (the
//! simulator's jobs and ledger) with what the library holds (`kyma jobs --json` and the clips
//! folder). Counts what must stay 0: lost paid clips, duplicate charges, broken or half files.
//! Shared by the CLI crash tests (tests/crash.rs) and the app's (tests/e2e/tests/crash_app.rs);
//! needs only serde_json, std and ffprobe.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The five models every crash point is tried with in `make soak`.
pub const MODELS: [&str; 5] =
    ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

/// The points of a job's life where the crash matrix kills the process, in order.
/// `post_in_flight` is a kill from outside while Kyma, which has already created the job, holds
/// back its answer; the others are failpoints (src-tauri/src/jobs/failpoint.rs).
pub const MATRIX: [&str; 8] = [
    "before_db_write",
    "after_db_write",
    "post_in_flight",
    "after_post_response",
    "mid_poll",
    "mid_download",
    "before_rename",
    "after_rename",
];

#[derive(Debug, Default, Clone)]
pub struct Audit {
    /// Jobs Kyma created (a hold was taken) for this library.
    pub paid_jobs: usize,
    /// Charged at Kyma, but no succeeded record with a playable clip of the right length here.
    pub lost_paid_clips: usize,
    /// Charges beyond the first for one idempotency key, plus Kyma jobs beyond the first.
    pub duplicate_charges: usize,
    /// Clip files that do not play, have the wrong size or length, or that no record names.
    pub broken_files: usize,
    /// `.part` files left behind.
    pub half_files: usize,
    /// Records still open (they would never finish) or whose state differs from Kyma's.
    pub wrong_states: usize,
    pub problems: Vec<String>,
}

impl Audit {
    pub fn is_clean(&self) -> bool {
        self.lost_paid_clips + self.duplicate_charges + self.broken_files + self.half_files + self.wrong_states == 0
    }

    pub fn add(&mut self, other: &Audit) {
        self.paid_jobs += other.paid_jobs;
        self.lost_paid_clips += other.lost_paid_clips;
        self.duplicate_charges += other.duplicate_charges;
        self.broken_files += other.broken_files;
        self.half_files += other.half_files;
        self.wrong_states += other.wrong_states;
        self.problems.extend(other.problems.iter().cloned());
    }
}

/// `sim_jobs`: `GET /_sim/jobs`; `ledger`: `GET /_sim/ledger`; `local`: `kyma jobs --json` of the
/// library whose clips are in `clips`. Only Kyma jobs whose idempotency key a local record
/// carries, or whose prompt starts with `prompt_prefix`, belong to this library.
pub fn audit(sim_jobs: &Value, ledger: &Value, local: &[Value], clips: &Path, prompt_prefix: &str) -> Audit {
    let mut a = Audit::default();
    let local_keys: Vec<&str> = local.iter().filter_map(|g| g["idempotency_key"].as_str()).collect();
    let ours: Vec<&Value> = sim_jobs
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .filter(|j| {
                    j["idempotency_key"].as_str().is_some_and(|k| local_keys.contains(&k))
                        || j["prompt"].as_str().is_some_and(|p| p.starts_with(prompt_prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    let entries = ledger["entries"].as_array().cloned().unwrap_or_default();
    let mut keys: Vec<&str> = ours.iter().filter_map(|j| j["idempotency_key"].as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    if ours.iter().any(|j| j["idempotency_key"].is_null()) {
        a.duplicate_charges += 1;
        a.problems.push("a Kyma job was created without an idempotency key".into());
    }
    for key in keys {
        let remote: Vec<&&Value> = ours.iter().filter(|j| j["idempotency_key"] == key).collect();
        a.paid_jobs += 1;
        if remote.len() > 1 {
            a.duplicate_charges += remote.len() - 1;
            a.problems.push(format!("{key}: {} Kyma jobs for one generation", remote.len()));
        }
        let kyma_ids: Vec<&str> = remote.iter().filter_map(|j| j["id"].as_str()).collect();
        let charges = entries
            .iter()
            .filter(|e| e["kind"] == "charge" && e["job_id"].as_str().is_some_and(|id| kyma_ids.contains(&id)))
            .count();
        if charges > 1 {
            a.duplicate_charges += charges - 1;
            a.problems.push(format!("{key}: charged {charges} times"));
        }
        let record = local.iter().find(|g| g["idempotency_key"] == key);
        let remote_status = remote[0]["status"].as_str().unwrap_or("");
        match record {
            None if charges > 0 => {
                a.lost_paid_clips += 1;
                a.problems.push(format!("{key}: charged at Kyma, no record here"));
            }
            None => {
                a.wrong_states += 1;
                a.problems.push(format!("{key}: Kyma job {remote_status}, no record here"));
            }
            Some(g) => {
                let status = g["status"].as_str().unwrap_or("");
                if status != remote_status {
                    a.wrong_states += 1;
                    a.problems.push(format!("{key}: here {status}, at Kyma {remote_status}"));
                }
                if charges > 0 {
                    if let Err(why) = check_clip(g, clips) {
                        a.lost_paid_clips += 1;
                        a.problems.push(format!("{key}: charged, but {why}"));
                    }
                }
            }
        }
    }
    for g in local {
        let status = g["status"].as_str().unwrap_or("");
        let known = g["idempotency_key"].as_str().is_some_and(|k| ours.iter().any(|j| j["idempotency_key"] == k));
        if !known && !["rejected", "failed"].contains(&status) {
            a.wrong_states += 1;
            a.problems.push(format!("#{}: {status} here, unknown to Kyma", g["id"]));
        }
    }
    let named: Vec<&str> = local.iter().filter_map(|g| g["clip_file"].as_str()).collect();
    for entry in std::fs::read_dir(clips).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") {
            a.half_files += 1;
            a.problems.push(format!("half file {name}"));
        } else if entry.path().is_file() && name.ends_with(".mp4") && !named.contains(&name.as_str()) {
            a.broken_files += 1;
            a.problems.push(format!("{name}: a clip no record names"));
        }
    }
    a
}

/// The record's clip exists, has the recorded size, plays, and lasts the asked seconds.
fn check_clip(g: &Value, clips: &Path) -> Result<(), String> {
    let name = g["clip_file"].as_str().ok_or("no clip file is recorded")?;
    let path = clips.join(name);
    let len = std::fs::metadata(&path).map_err(|e| format!("{name}: {e}"))?.len();
    if g["clip_bytes"].as_u64() != Some(len) {
        return Err(format!("{name} has {len} bytes, the record says {}", g["clip_bytes"]));
    }
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(&path)
        .output()
        .map_err(|e| format!("ffprobe: {e}"))?;
    let seconds: f64 =
        String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| format!("{name} does not play"))?;
    let want = g["duration_s"].as_f64().unwrap_or(0.0);
    if !out.status.success() || (seconds - want).abs() > 0.1 {
        return Err(format!("{name} lasts {seconds} s, not {want} s"));
    }
    Ok(())
}

/// One table row per crash point: runs, paid jobs and the four counts.
pub fn table(rows: &[(String, usize, Audit)]) -> String {
    let mut out = String::from(
        "| crash point | runs | paid jobs | lost paid clips | duplicate charges | broken files | half files | wrong states |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut total = Audit::default();
    let mut runs = 0;
    for (point, n, a) in rows {
        out.push_str(&format!(
            "| {point} | {n} | {} | {} | {} | {} | {} | {} |\n",
            a.paid_jobs, a.lost_paid_clips, a.duplicate_charges, a.broken_files, a.half_files, a.wrong_states
        ));
        total.add(a);
        runs += n;
    }
    out.push_str(&format!(
        "| **all** | {runs} | {} | {} | {} | {} | {} | {} |\n",
        total.paid_jobs,
        total.lost_paid_clips,
        total.duplicate_charges,
        total.broken_files,
        total.half_files,
        total.wrong_states
    ));
    out
}
