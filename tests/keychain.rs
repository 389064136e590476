//! The OS keychain through `kyma key set|status|delete`: the key is checked with Kyma, stored in
//! the Secret Service, used by `generate` without KYMA_API_KEY, and never printed. `make test`
//! runs this inside a private D-Bus session with its own GNOME Keyring (scripts/with-keyring.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, stdout, Kyma, Sim, KEY};
use std::io::Write;
use std::process::Stdio;

fn in_keyring_session() -> bool {
    if std::env::var_os("KYMA_KEYRING_SESSION").is_some() {
        return true;
    }
    eprintln!("skipped: not inside scripts/with-keyring.sh (make test runs it there)");
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
