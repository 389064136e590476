//! Writes the UI's typed command wrappers, `ui/src/lib/ipc/bindings/commands.ts`, from the
//! command table when `cargo test` runs (beside ts-rs's own bindings; `make bindings-check` fails
//! when the committed file differs), and checks the table against `commands/`.

use super::{typescript_signatures, COMMANDS};
use std::collections::BTreeSet;
use std::path::Path;
use ts_rs::{Config, TypeVisitor, TS};

/// The exported types a signature names: the types themselves and what they wrap
/// (`Option<StartImage>` → `StartImage`).
pub(super) fn imports<A: TS + 'static, R: TS + 'static>(cfg: &Config) -> Vec<String> {
    struct Named<'a>(&'a Config, Vec<String>);
    impl TypeVisitor for Named<'_> {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if T::output_path().is_some() {
                self.1.push(T::ident(self.0));
            }
            T::visit_generics(self);
        }
    }
    let mut named = Named(cfg, Vec::new());
    named.visit::<A>();
    named.visit::<R>();
    named.1
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn wrappers() -> String {
    let cfg = Config::from_env();
    let sigs = typescript_signatures();
    let types: BTreeSet<String> = sigs.iter().flat_map(|s| s.3.clone()).collect();
    let mut ts = String::from(
        "// Generated from src-tauri/src/studio/command_table.rs by `cargo test` (studio::ipc). Do not\n\
         // edit: change the table or the argument structs in Rust. One function per command; the\n\
         // argument names and types are Rust's, so a misspelt one does not compile.\n\n",
    );
    ts.push_str("import { call } from \"../call\";\n");
    for t in &types {
        ts.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    ts.push_str("\n/** Every command the core answers, in the table's order. */\nexport const COMMANDS = [\n");
    for name in COMMANDS {
        ts.push_str(&format!("  \"{name}\",\n"));
    }
    ts.push_str("] as const;\n\nexport type CommandName = (typeof COMMANDS)[number];\n\n");
    ts.push_str("/** Each command's argument struct and answer, for code that stands in for the core (tests, the dev mock). */\n");
    ts.push_str("export interface Commands {\n");
    for (name, args, answer, _) in &sigs {
        ts.push_str(&format!("  {name}: {{ args: {args}; answer: {answer} }};\n"));
    }
    ts.push_str("}\n\n");
    for (name, args, answer, _) in &sigs {
        let f = camel(name);
        if *args == <super::NoArgs as TS>::name(&cfg) {
            // Sent as `{}`: the Rust function takes no arguments at all.
            ts.push_str(&format!("export const {f} = (): Promise<{answer}> => call(\"{name}\", {{}});\n"));
        } else {
            ts.push_str(&format!("export const {f} = (args: {args}): Promise<{answer}> => call(\"{name}\", args);\n"));
        }
    }
    ts
}

fn export_dir() -> std::path::PathBuf {
    let dir = std::env::var("TS_RS_EXPORT_DIR").unwrap_or_else(|_| "ui/src/lib/ipc/bindings".into());
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

#[test]
fn export_the_command_wrappers() {
    let ts = wrappers();
    let path = export_dir().join("commands.ts");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(ts.as_str()) {
        std::fs::write(&path, ts).unwrap();
    }
}

#[test]
fn wrappers_name_every_command_once_with_rust_types() {
    let ts = wrappers();
    assert!(ts.contains(
        "export const settingsSave = (args: SettingsSaveArgs): Promise<Settings> => call(\"settings_save\", args);"
    ));
    assert!(ts.contains("export const appState = (): Promise<AppState> => call(\"app_state\", {});"));
    assert!(ts.contains("export const imagePick = (): Promise<StartImage | null> => call(\"image_pick\", {});"));
    assert!(ts.contains("import type { SettingsSaveArgs } from \"./SettingsSaveArgs\";"));
    let names: BTreeSet<&str> = COMMANDS.iter().copied().collect();
    assert_eq!(names.len(), COMMANDS.len(), "a command is listed twice");
    assert_eq!(camel("key_use_session"), "keyUseSession");
}

/// The values the UI needs from Rust, written once here: the settings' defaults and limits, the
/// prompt's length limit, and the bundled catalog (which the dev mock shows).
fn constants() -> String {
    use crate::studio::{dto::ModelInfo, settings};
    let json = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    let defaults = settings::defaults(Path::new(""));
    let models: Vec<ModelInfo> = crate::api::Catalog::default().models.iter().map(ModelInfo::from).collect();
    format!(
        "// Generated from Rust by `cargo test` (studio::ipc). Do not edit: the values live in Rust.\n\n\
         import type {{ ErrorAction }} from \"./ErrorAction\";\n\
         import type {{ ErrorKind }} from \"./ErrorKind\";\n\
         import type {{ Field }} from \"./Field\";\n\
         import type {{ ModelInfo }} from \"./ModelInfo\";\n\
         import type {{ Settings }} from \"./Settings\";\n\n\
         /** Kyma's longest prompt, in characters. */\n\
         export const MAX_PROMPT_CHARS = {};\n\n\
         /** How many downloads may run at once: the choices Settings offers. */\n\
         export const DOWNLOAD_CONCURRENCY = {{ min: {}, max: {} }} as const;\n\n\
         /** The largest \"ask first above\" threshold, in micro-dollars. */\n\
         export const MAX_CONFIRM_ABOVE_MICROS = {};\n\n\
         /** A fresh install's settings (the library folder is the platform's, filled in by the core). */\n\
         export const DEFAULT_SETTINGS: Settings = {};\n\n\
         /** The five models as bundled with the app, before Kyma's live catalog refines them. */\n\
         export const BUNDLED_MODELS: ModelInfo[] = {};\n\n\
         /** Every ErrorKind, to recognise one arriving from the core at run time. */\n\
         export const ERROR_KINDS: readonly ErrorKind[] = {};\n\n\
         export const FIELDS: readonly Field[] = {};\n\n\
         /** Every ErrorAction (the button that fixes an error). */\n\
         export const ERROR_ACTIONS: readonly ErrorAction[] = {};\n\n\
         /** The shot's limits: takes at once, the largest seed, \"Avoid\"'s length, every aspect ratio. */\n\
         export const MAX_TAKES = {};\n\
         export const MAX_SEED = {};\n\
         export const MAX_NEGATIVE_CHARS = {};\n\
         export const ASPECTS: readonly string[] = {};\n\n\
         /** Boards and batches: the largest daily cap, a batch's most clips, a board's models. */\n\
         export const MAX_DAILY_CAP_MICROS = {};\n\
         export const MAX_GROUP = {};\n\
         export const BOARD_MODELS = {{ min: {}, max: {} }} as const;\n",
        crate::api::types::MAX_PROMPT_CHARS,
        settings::DOWNLOAD_CONCURRENCY.start(),
        settings::DOWNLOAD_CONCURRENCY.end(),
        settings::MAX_CONFIRM_ABOVE_MICROS,
        json(serde_json::to_value(&defaults).unwrap_or_default()),
        json(serde_json::to_value(&models).unwrap_or_default()),
        serde_json::to_string(crate::error_kind::ErrorKind::ALL).unwrap_or_default(),
        serde_json::to_string(crate::error_kind::Field::ALL).unwrap_or_default(),
        serde_json::to_string(crate::studio::dto::ErrorAction::ALL).unwrap_or_default(),
        crate::api::shot::MAX_TAKES,
        crate::api::shot::MAX_SEED,
        crate::api::shot::MAX_NEGATIVE_CHARS,
        serde_json::to_string(crate::api::shot::ASPECTS).unwrap_or_default(),
        settings::MAX_DAILY_CAP_MICROS,
        crate::jobs::groups::MAX_GROUP,
        crate::jobs::groups::BOARD_MODELS.start(),
        crate::jobs::groups::BOARD_MODELS.end(),
    )
}

#[test]
fn export_the_constants() {
    let ts = constants();
    assert!(ts.contains("\"download_concurrency\": 3"), "{ts}");
    assert!(ts.contains("\"id\": \"seedance-2-fast\""));
    let path = export_dir().join("constants.ts");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(ts.as_str()) {
        std::fs::write(&path, ts).unwrap();
    }
}
