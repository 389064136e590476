//! Issue 15 in the real window: a library whose database was truncated on disk opens on the
//! recovery offer (the damage, the backup, the clips that come back), is repaired with one
//! button, and opens with every clip in the gallery. Screenshots go to
//! `target/e2e-shots-desktop/` (the window test empties `target/e2e-shots/` when it starts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../kyma-sim/tests/common/mod.rs"]
mod sim;

use kyma_e2e::procs::{self, AppHome};
use kyma_e2e::webdriver::Session;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const MODELS: [&str; 5] = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"];

fn kyma(home: &AppHome, args: &[&str]) -> std::process::Output {
    Command::new(procs::built_binary("kyma"))
        .args(args)
        .env("KYMA_STUDIO_DATA_DIR", &home.data_dir)
        .env("KYMA_API_BASE", &home.api_base)
        .env("KYMA_API_KEY", sim::KEY)
        .output()
        .unwrap()
}

async fn shot(s: &Session, dir: &Path, name: &str) {
    s.script_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 400)));",
        json!([]),
    )
    .await
    .unwrap();
    std::fs::write(dir.join(format!("{name}.png")), s.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_library_opens_on_the_recovery_offer_and_comes_back() {
    if std::env::var("KYMA_E2E").as_deref() != Ok("1") {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true without KYMA_E2E=1: run scripts/e2e.sh");
        eprintln!("skipped: run scripts/e2e.sh");
        return;
    }
    let app = procs::built_binary("kyma-studio");
    let target = app.parent().and_then(Path::parent).unwrap().to_path_buf();
    let shots = target.join("e2e-shots-desktop");
    let logs = target.join("e2e-logs");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::create_dir_all(&logs).unwrap();

    // A library made by the CLI: two clips, a backup, three more clips; then the file is cut.
    let sim = sim::Sim::start(&["--job-seconds", "1"]);
    let root = tempfile::tempdir().unwrap();
    let home = AppHome {
        api_base: format!("{}/v1", sim.url),
        data_dir: root.path().join("library"),
        xdg: root.path().to_path_buf(),
    };
    for (i, model) in MODELS.iter().enumerate() {
        if i == 2 {
            assert!(kyma(&home, &["library", "backup"]).status.success());
        }
        let prompt = format!("harbour at dawn, take {i}");
        let out = kyma(&home, &["generate", "--model", model, "--prompt", &prompt, "--duration", "1"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let db = home.data_dir.join("library.sqlite3");
    let len = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(len / 3).unwrap();

    // The window opens on the offer, not on "could not start".
    let log = std::fs::File::create(logs.join("desktop-faults-app.log")).unwrap();
    let (driver, url) = procs::start_tauri_driver(&home, &[("KYMA_API_KEY", sim::KEY)], log);
    let s = Session::start(&url, &app.display().to_string()).await.unwrap();
    s.set_window_size(960, 640).await.unwrap();
    let problem = s.wait_for("[data-testid=recovery-problem]", Duration::from_secs(30)).await.unwrap();
    let said = s.text(&problem).await.unwrap();
    assert!(said.starts_with(&format!("The library database at {} is damaged (", db.display())), "{said}");
    let offer = s.text(&s.wait_for("[data-testid=recovery]", Duration::from_secs(5)).await.unwrap()).await.unwrap();
    assert!(offer.contains("Restore the backup of"), "{offer}");
    assert!(offer.contains("the 5 clips in the library folder"), "{offer}");
    shot(&s, &shots, "recovery-offer").await;

    s.click_css("[data-testid=recovery-go]").await.unwrap();
    let report = s.wait_for("[data-testid=recovery-report]", Duration::from_secs(30)).await.unwrap();
    let told = s.text(&report).await.unwrap();
    assert!(told.contains("2 record(s) came back from the backup"), "{told}");
    assert!(told.contains("3 clip(s) got their records back"), "{told}");
    shot(&s, &shots, "recovery-done").await;

    // Open: the library, with all five clips in the gallery.
    s.click_css("[data-testid=recovery-open]").await.unwrap();
    s.wait_for("[data-testid=key-indicator]", Duration::from_secs(30)).await.unwrap();
    s.click_css("#tab-gallery").await.unwrap();
    s.wait_until(
        "the five clips in the gallery",
        "return document.querySelectorAll('[data-testid=gallery-tile]').length === 5 || null;",
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    shot(&s, &shots, "recovery-gallery").await;
    s.delete().await;
    drop(driver);
    assert!(root.path().join("library/damaged").read_dir().unwrap().next().is_some(), "the damaged file is kept");
}
