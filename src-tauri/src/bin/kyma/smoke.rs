//! `kyma live-smoke`: the whole path against real Kyma (or any `KYMA_API_BASE`) for about a
//! dollar: the key, the catalog, the limits and the balance; then the cheapest model at its
//! shortest duration three times (plain, 9:16, and with a small start image sent as a `data:`
//! URI), each polled, downloaded, probed and its charge compared with its estimate. It prints the
//! total and asks before spending. Then it writes a drift report: every field Kyma sent that our
//! types do not know, and every documented field that was missing.

use super::Fail;
use kyma_studio::api::types::fields;
use kyma_studio::api::{self, ApiKey, Catalog, Client, Micros, ShotOptions};
use kyma_studio::jobs::{self, connect::Kyma, Draft, EngineConfig, Generation, ImageInput, Status};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Kyma's runner times out at 10 minutes; a clip not done by then is reported as such.
const CLIP_TIMEOUT: Duration = Duration::from_secs(12 * 60);

/// The five models the app knows; the smoke test buys the cheapest of them.
const MODELS: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

struct Drift {
    unknown: Vec<String>,
    missing: Vec<String>,
}

impl Drift {
    fn add(&mut self, (unknown, missing): (Vec<String>, Vec<String>)) {
        self.unknown.extend(unknown);
        self.missing.extend(missing);
    }
}

/// One clip of the three: what it was, and what came of it.
struct Clip {
    name: &'static str,
    generation: Option<Generation>,
    problems: Vec<String>,
}

pub async fn run(base: &str, key: ApiKey, yes: bool, report: &Path) -> Result<(), Fail> {
    let mut drift = Drift { unknown: vec![], missing: vec![] };
    let client = Client::new(base, key.clone())?;
    println!("Kyma live smoke test against {base}");

    // 1. The key (a cheap authenticated call), its limits, the catalog and the balance.
    let limits = client.get_json(&["auth", "limits"], true).await?;
    drift.add(fields::drift("auth/limits", &limits, fields::LIMITS, &[]));
    let read = api::Limits::from_value(&limits);
    if read.rpm_limit.is_none() && read.rpm_remaining.is_none() {
        drift.missing.push("auth/limits.rpm_limit or .remaining (neither documented set)".into());
    }
    println!("  key accepted; limits: {limits}");
    let pricing = client.get_json(&["pricing"], false).await?;
    drift.add(fields::drift("pricing", &pricing, fields::PRICING, fields::PRICING_DOCUMENTED));
    for m in pricing["media"].as_array().into_iter().flatten().filter(|m| m["modality"] == "video") {
        let id = m["id"].as_str().unwrap_or("?");
        drift.add(fields::drift(&format!("pricing.media[{id}]"), m, fields::PRICED, fields::PRICED_DOCUMENTED));
        drift.add(fields::drift(
            &format!("pricing.media[{id}].detail"),
            &m["detail"],
            fields::PRICED_DETAIL,
            fields::PRICED_DETAIL_DOCUMENTED,
        ));
    }
    let live = api::types::parse_pricing(&pricing)
        .map_err(|e| Fail::new(4, format!("The catalog cannot be read: {}", e.0)))?;
    let catalog = Catalog::merged(&live);
    for id in MODELS.iter().filter(|id| !live.iter().any(|p| p.id == **id)) {
        drift.missing.push(format!("pricing.media[{id}] (one of the five models)"));
    }
    let balance = client.get_json(&["credits", "balance"], true).await?;
    drift.add(fields::drift("credits/balance", &balance, fields::BALANCE, &[]));
    println!("  catalog: {} video models; balance: {balance}", live.len());

    // 2. The plan: the cheapest of the five at its shortest duration, three times.
    let (model, seconds) = MODELS
        .iter()
        .filter_map(|id| catalog.get(id))
        .filter_map(|m| m.durations.first().map(|d| (m, *d)))
        .min_by_key(|(m, d)| m.price(*d))
        .ok_or_else(|| Fail::new(4, "None of the five models is in the catalog."))?;
    let each = model.price(seconds);
    let total = each * 3;
    println!(
        "\nPlan: 3 clips of {} at {seconds} s, {} each: plain, 9:16, and with a small start image as a data: URI.",
        model.id,
        each.to_cents_string()
    );
    println!(
        "Total: {} (exactly {} held; you pay only for clips received).",
        total.to_cents_string(),
        total.to_exact_string()
    );
    if !yes && !confirm(&format!("Spend up to {} on the 3 clips? [y/N] ", total.to_cents_string()))? {
        return Err(Fail::new(2, "Nothing was spent."));
    }

    // 3. The clips, through the app's own engine (a throwaway library), so the app's path is tested.
    let dir = std::env::temp_dir().join(format!("kyma-live-smoke-{}", uuid::Uuid::new_v4().simple()));
    let kyma = Kyma { base: base.to_string(), key, limiter: Arc::new(api::limiter::RateLimiter::new(30)) };
    let engine = jobs::connect::start_engine(EngineConfig::new(dir.clone()), catalog.clone(), Some(&kyma)).await?;
    let portrait = model.caps.takes_aspect(false) && model.caps.aspects.iter().any(|a| a == "9:16");
    let still = kyma_studio::media::prepare_image_rgba(small_picture(), 64, 64)
        .map_err(|e| Fail::new(4, format!("Could not make the test picture: {e}")))?;
    let draft = |options: ShotOptions, image: Option<ImageInput>| Draft {
        model: model.id.clone(),
        prompt: "A paper boat drifts across a still pond at dawn, gentle ripples, soft light".into(),
        duration: Some(seconds),
        image,
        end_image: None,
        options,
    };
    let plans: [(&'static str, Draft); 3] = [
        ("plain", draft(ShotOptions::default(), None)),
        ("9:16", draft(ShotOptions { aspect: portrait.then(|| "9:16".to_string()), ..Default::default() }, None)),
        (
            "data: URI start image",
            draft(
                ShotOptions::default(),
                Some(ImageInput::Prepared { image: Box::new(still), source: "64×64 test picture".into() }),
            ),
        ),
    ];
    let mut clips = Vec::new();
    for (name, d) in plans {
        match engine.submit(d).await {
            Ok(g) => clips.push((name, g.id, Instant::now())),
            Err(e) => {
                println!("  {name}: refused: {e}");
                clips.push((name, -1, Instant::now()));
            }
        }
    }
    let mut results = Vec::new();
    for (name, id, started) in clips {
        let mut clip = Clip { name, generation: None, problems: vec![] };
        if id < 0 {
            clip.problems.push("the request was refused (see above)".into());
            results.push(clip);
            continue;
        }
        let g = wait(&engine, id, started).await?;
        check_clip(&engine, &g, seconds, name == "9:16" && portrait, &mut clip.problems);
        if let Some(kyma_id) = &g.kyma_id {
            match client.get_json(&["jobs", kyma_id], true).await {
                Ok(job) => {
                    drift.add(fields::drift("job", &job, fields::JOB, fields::JOB_DOCUMENTED));
                    if job["output"].is_object() {
                        drift.add(fields::drift(
                            "job.output",
                            &job["output"],
                            fields::OUTPUT,
                            fields::OUTPUT_DOCUMENTED,
                        ));
                    }
                }
                Err(e) => clip.problems.push(format!("the job could not be read again: {e}")),
            }
        }
        println!(
            "  {name}: {} {}",
            g.status.as_str(),
            if clip.problems.is_empty() { "✓".to_string() } else { format!("✗ {}", clip.problems.join("; ")) }
        );
        clip.generation = Some(g);
        results.push(clip);
    }
    let charged: Micros = results.iter().filter_map(|c| c.generation.as_ref()?.charged).fold(Micros(0), |a, b| a + b);
    println!("\nCharged in all: {} (of {} held).", charged.to_exact_string(), total.to_exact_string());

    // 4. The drift report.
    drift.unknown.sort();
    drift.unknown.dedup();
    drift.missing.sort();
    drift.missing.dedup();
    let failed: Vec<&Clip> = results.iter().filter(|c| !c.problems.is_empty()).collect();
    let doc = json!({
        "api_base": base,
        "model": model.id,
        "seconds": seconds,
        "held_micros": total.0,
        "charged_micros": charged.0,
        "clips": results.iter().map(|c| json!({
            "name": c.name,
            "status": c.generation.as_ref().map(|g| g.status.as_str()),
            "kyma_id": c.generation.as_ref().and_then(|g| g.kyma_id.clone()),
            "frame": c.generation.as_ref().and_then(|g| g.clip_size),
            "problems": c.problems,
        })).collect::<Vec<Value>>(),
        "drift": { "unknown_fields": drift.unknown, "missing_fields": drift.missing },
    });
    if let Some(parent) = report.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    std::fs::write(report, text).map_err(|e| Fail::new(4, format!("Could not write {}: {e}", report.display())))?;
    println!("\nDrift report: {}", report.display());
    if drift.unknown.is_empty() && drift.missing.is_empty() {
        println!("  no drift: every field Kyma sent is known, and every documented field was there.");
    } else {
        for f in &drift.unknown {
            println!("  unknown field: {f}");
        }
        for f in &drift.missing {
            println!("  missing field: {f}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Fail::new(1, format!("{} of 3 clips failed the smoke test; see {}.", failed.len(), report.display())))
    }
}

/// Waits for generation `id` to end (polled: the engine does the work).
async fn wait(engine: &jobs::Engine, id: i64, started: Instant) -> Result<Generation, Fail> {
    loop {
        let g = engine.get(id)?;
        if g.status.is_terminal() || started.elapsed() > CLIP_TIMEOUT {
            return Ok(g);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Succeeded, downloaded, an MP4 of the asked length (and portrait when asked), charged exactly
/// its estimate.
fn check_clip(engine: &jobs::Engine, g: &Generation, seconds: u32, portrait: bool, problems: &mut Vec<String>) {
    if g.status != Status::Succeeded {
        problems.push(format!(
            "ended {} ({})",
            g.status.as_str(),
            g.error_message.as_deref().unwrap_or("no reason given")
        ));
        return;
    }
    let Some(path) = engine.paths().clip_path(g) else {
        problems.push("no clip file was recorded".into());
        return;
    };
    match kyma_studio::media::mp4::duration_ms(&path) {
        Ok(ms) if ms.abs_diff(u64::from(seconds) * 1000) <= 300 => {}
        Ok(ms) => problems.push(format!("the clip lasts {ms} ms, not {seconds} s")),
        Err(e) => problems.push(format!("the clip cannot be probed: {}", e.0)),
    }
    match kyma_studio::media::mp4::video_size(&path) {
        Ok((w, h)) if portrait && w >= h => problems.push(format!("asked 9:16, got {w}×{h}")),
        Ok(_) => {}
        Err(e) => problems.push(format!("the clip has no readable frame size: {}", e.0)),
    }
    let estimate = g.estimated.unwrap_or(g.hold);
    if g.charged != Some(estimate) {
        problems.push(format!(
            "charged {} but estimated {}",
            g.charged.map(Micros::to_exact_string).unwrap_or_else(|| "nothing".into()),
            estimate.to_exact_string()
        ));
    }
}

/// A 64×64 gradient, RGBA.
fn small_picture() -> Vec<u8> {
    (0..64u32 * 64)
        .flat_map(|i| {
            let (x, y) = (i % 64, i / 64);
            [(x * 4) as u8, (y * 4) as u8, 160, 255]
        })
        .collect()
}

fn confirm(question: &str) -> Result<bool, Fail> {
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Fail::new(4, e.to_string()))?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
