//! The REAL OS keychain (no in-memory store here): through `kyma key set|status|delete` the key is
//! checked with Kyma, stored in the Secret Service, used by `generate` without KYMA_API_KEY, and
//! never printed; through the app's layer, the key and the bucket's secret kept by one start are
//! found by the next. `make test` runs this on Linux inside a private D-Bus session with its own
//! GNOME Keyring (scripts/with-keyring.sh); elsewhere these tests skip, so that they never touch
//! a developer's own login keychain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, stdout, Kyma, Sim, KEY};
use std::io::Write;
use std::process::Stdio;

/// Both tests use the same keychain entries: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn in_keyring_session() -> bool {
    if std::env::var_os("KYMA_KEYRING_SESSION").is_some() {
        return true;
    }
    eprintln!("skipped: a real-keychain test, run only inside scripts/with-keyring.sh (make test on Linux)");
    false
}

fn key_set(kyma: &Kyma, key: &str) -> std::process::Output {
    let mut child = kyma
        .command()
        .env_remove("KYMA_API_KEY")
        .args(["key", "set"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{key}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_key_lives_in_the_keychain_and_is_never_printed() {
    if !in_keyring_session() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let sim = Sim::start(&["--job-seconds", "1"]);
    let kyma = Kyma::new(&sim);
    let no_env = |args: &[&str]| kyma.command().env_remove("KYMA_API_KEY").args(args).output().unwrap();

    // A key Kyma refuses is not stored.
    let wrong = key_set(&kyma, "ky-this-key-is-wrong-0000");
    assert_eq!(wrong.status.code(), Some(3), "{}", stderr(&wrong));
    assert!(stdout(&no_env(&["key", "status"])).contains("No key is set"));

    let set = key_set(&kyma, KEY);
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(stdout(&set).trim(), "Key ky-… stored in the system keychain.");

    let status = no_env(&["key", "status"]);
    assert!(status.status.success());
    assert_eq!(stdout(&status).trim(), "A key is set (ky-…), kept in the system keychain.");

    // generate finds the key in the keychain.
    let out = no_env(&["generate", "--model", "kling-2.5-pro", "--prompt", "keychain", "--duration", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));

    for o in [&set, &status, &out] {
        assert!(!stdout(o).contains(KEY) && !stderr(o).contains(KEY), "the key was printed");
    }

    let del = no_env(&["key", "delete"]);
    assert!(stdout(&del).contains("removed"));
    assert!(stdout(&no_env(&["key", "status"])).contains("No key is set"));
    let none = no_env(&["generate", "--model", "kling-2.5-pro", "--prompt", "x", "--duration", "1"]);
    assert_eq!(none.status.code(), Some(3));
    assert!(stderr(&none).contains("No API key is set"));

    // The key is in no file of the library.
    for entry in common::files_under(kyma.data.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "key found in {}", entry.display());
    }
}

#[test]
fn the_app_keeps_its_secrets_in_the_os_keychain_across_starts() {
    use kyma_studio::keychain::{OsKeychain, Secret, SecretStore};
    use kyma_studio::studio::dto::{ImageHosting, KeyState};
    use kyma_studio::studio::{clip_server, Studio};
    if !in_keyring_session() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let sim = Sim::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let options = || common::studio_options(format!("{}/v1", sim.url), dir.path(), std::sync::Arc::new(OsKeychain));
        let open = || async { Studio::open(options(), clip_server::bind().unwrap()).await.unwrap() };

        let studio = open().await;
        assert_eq!(studio.set_key(KEY, false).await.unwrap().state, KeyState::Keychain);
        let mut settings = studio.app_state().unwrap().settings;
        settings.image_hosting = common::unserved_bucket();
        studio.save_settings(settings, Some("real-keychain-secret".into())).await.unwrap();
        drop(studio);

        let again = open().await;
        assert_eq!(again.key_status().state, KeyState::Keychain, "the next start found the key");
        assert!(matches!(again.app_state().unwrap().settings.image_hosting, ImageHosting::S3 { secret_set: true, .. }));
        assert_eq!(OsKeychain.get(Secret::BucketSecret).unwrap().as_deref(), Some("real-keychain-secret"));
        assert_eq!(again.delete_key().await.unwrap().state, KeyState::None);
        assert!(OsKeychain.api_key().unwrap().is_none());
        OsKeychain.delete(Secret::BucketSecret).unwrap();
    });
}
