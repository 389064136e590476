//! The command functions agree with the command table: one `#[tauri::command]` per table line,
//! named as the line, typed by its own `sig` entry (a function typed by another line's entry
//! would compile, so the text is read here).

use crate::studio::ipc::COMMAND_ARGS;

/// What is wrong between a commands source text and the table (`(name, argument struct)` per
/// command); empty when they agree.
fn disagreements(source: &str, table: &[(&str, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names = Vec::new();
    // The attribute at the start of a line: the module's doc mentions it too.
    for rest in format!("\n{source}").split("\n#[tauri::command]").skip(1) {
        let sig = &rest[..rest.find('{').unwrap_or(rest.len())];
        let after_fn = &sig[sig.find("fn ").map_or(0, |i| i + 3)..];
        let name = after_fn[..after_fn.find('(').unwrap_or(after_fn.len())].trim().to_string();
        let sig = sig.split_whitespace().collect::<Vec<_>>().join(" ");
        if !sig.contains(&format!("-> Answer<sig::{name}>")) {
            problems.push(format!("{name} must answer Answer<sig::{name}>: {sig}"));
        }
        let takes_args = sig.contains("args:");
        if takes_args && !sig.contains(&format!("args: Args<sig::{name}>")) {
            problems.push(format!("{name}'s arguments must be Args<sig::{name}>: {sig}"));
        }
        // A function that ignores a table line's arguments would drop what the UI sends.
        let listed = table.iter().find(|(t, _)| *t == name);
        if let Some((_, args)) = listed.filter(|(_, args)| (*args != "NoArgs") != takes_args) {
            problems.push(format!("{name} must take `args` exactly when the table gives it arguments ({args})"));
        }
        if listed.is_none() {
            problems.push(format!("{name} is a command function but not in studio/command_table.rs"));
        }
        names.push(name);
    }
    for (t, _) in table {
        if !names.iter().any(|n| n == t) {
            problems.push(format!("{t} is in the table but has no command function"));
        }
    }
    problems
}

#[test]
fn every_command_function_is_a_line_of_the_table_and_typed_by_it() {
    assert_eq!(disagreements(include_str!("mod.rs"), COMMAND_ARGS), Vec::<String>::new());
}

#[test]
fn an_unlisted_or_mistyped_command_is_found() {
    let table = [("app_state", "NoArgs"), ("key_set", "KeyArgs")];
    let good = "#[tauri::command]\npub fn app_state(s: S) -> Answer<sig::app_state> {}\n\
                #[tauri::command]\npub async fn key_set(s: S, args: Args<sig::key_set>) -> Answer<sig::key_set> {}";
    assert!(disagreements(good, &table).is_empty());
    let stray = format!("{good}\n#[tauri::command]\npub fn stray() -> Answer<sig::stray> {{}}");
    assert_eq!(disagreements(&stray, &table), ["stray is a command function but not in studio/command_table.rs"]);
    let borrowed = good.replace("args: Args<sig::key_set>", "args: Args<sig::app_state>");
    assert_eq!(disagreements(&borrowed, &table).len(), 1);
    let missing = good.replace("key_set", "key_sett");
    assert_eq!(disagreements(&missing, &table).len(), 2, "{:?}", disagreements(&missing, &table));
    let ignores = good.replace("s: S, args: Args<sig::key_set>", "s: S");
    assert_eq!(
        disagreements(&ignores, &table),
        ["key_set must take `args` exactly when the table gives it arguments (KeyArgs)"]
    );
}
