//! The desktop-fault table of issue 15 (`make soak`): per fault, runs, lost paid clips,
//! duplicate charges, broken files and double downloads, read from the simulator's books.

use super::audit::Audit;
use serde_json::Value;

/// Downloads of one clip that started from byte 0, beyond the first: a clip fetched twice.
pub fn double_downloads(sim_jobs: &Value) -> usize {
    sim_jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let whole = j["range_starts"].as_array().unwrap().iter().filter(|s| s.as_u64() == Some(0)).count();
            whole.saturating_sub(1)
        })
        .sum()
}

/// Clips whose download resumed from where it stopped (a Range request past byte 0).
pub fn resumed(sim_jobs: &Value) -> usize {
    sim_jobs
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["range_starts"].as_array().unwrap().iter().any(|s| s.as_u64().unwrap_or(0) > 0))
        .count()
}

/// The table row: fault, runs, lost paid clips, duplicate charges, broken files, double
/// downloads. Written to `KYMA_SOAK_REPORT/desktop-faults.md` (one line per fault).
pub fn report_desktop_fault(fault: &str, runs: usize, a: &Audit, doubles: usize) {
    let line = format!(
        "| {fault} | {runs} | {} | {} | {} | {doubles} |\n",
        a.lost_paid_clips,
        a.duplicate_charges,
        a.broken_files + a.half_files
    );
    eprint!("{line}");
    if let Ok(dir) = std::env::var("KYMA_SOAK_REPORT") {
        use std::io::Write;
        let path = std::path::Path::new(&dir).join("desktop-faults.md");
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        f.write_all(line.as_bytes()).unwrap();
    }
}
