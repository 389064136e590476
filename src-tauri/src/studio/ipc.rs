//! The IPC contract made from the one command table (`command_table.rs`): the struct each
//! command's arguments arrive in, each command's signature type, and the UI's typed wrappers.
//!
//! Every command takes one argument, `args`, whose fields are named by Rust (ts-rs exports them)
//! and which refuses unknown fields, so a misspelt name is a type error in the UI and a refusal
//! at run time, never a silent `None`. The `#[tauri::command]` functions in `commands/` take
//! `Args<sig::NAME>` and answer `Answer<sig::NAME>`, so their types come from the table too.

use super::dto::PromptsFile;
use super::dto::{
    AppError, AppState, Budget, CancelOutcome, Draft, GalleryDetails, GalleryPage, GroupDraft, GroupView, Job,
    KeyStatus, ModelInfo, Restored, Settings, StartImage,
};
use super::health::LibraryHealth;
use super::rescue::{LibraryTrouble, RecoveryReport};
use crate::jobs::batch_rows::PromptRow;
use crate::library::{DeleteTicket, MoveMode, MoveReport, Query, Relinked, Spend, SpendQuery};
use serde::Deserialize;
use ts_rs::TS;

/// One entry of the command table.
pub trait Command {
    /// The command's name on the wire (`invoke("settings_save", …)`).
    const NAME: &'static str;
    type Args;
    type Answer;
}

/// The argument struct of command `C`.
pub type Args<C> = <C as Command>::Args;
/// What command `C` answers.
pub type Answer<C> = Result<<C as Command>::Answer, AppError>;

/// The arguments of a command that takes none.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NoArgs {}

/// An API key, to check with Kyma and keep.
// No `Debug`: the key must never reach a log.
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct KeyArgs {
    pub key: String,
}

/// The settings to save, and the bucket's secret when the user typed one.
// No `Debug`: the secret must never reach a log.
#[derive(Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct SettingsSaveArgs {
    pub settings: Settings,
    /// The S3 bucket's secret access key, when the user typed one; it goes to the keychain.
    pub bucket_secret: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ImagePathArgs {
    pub path: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ImageBytesArgs {
    /// The picture's bytes, base64.
    pub bytes: String,
    pub name: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct GenerateArgs {
    pub draft: Draft,
}

/// The generation a command is about.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct IdArgs {
    #[ts(type = "number")]
    pub id: i64,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct GalleryQueryArgs {
    pub query: Query,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct FavouriteArgs {
    #[ts(type = "number")]
    pub id: i64,
    pub on: bool,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ThumbArgs {
    #[ts(type = "number")]
    pub id: i64,
    /// A JPEG poster the window drew from the clip's first frame, base64.
    pub bytes: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct SpendArgs {
    pub query: SpendQuery,
}

#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct LibraryMoveArgs {
    pub dir: String,
    pub mode: MoveMode,
}

/// A library folder that is away (`from`, as `library_away` named it) and where the user found it.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct LibraryRelinkArgs {
    pub from: String,
    pub to: String,
}

/// A board or batch to make.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct GroupMakeArgs {
    pub group: GroupDraft,
}

/// A keep/reject mark to set on a generation (None clears it).
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct MarkArgs {
    #[ts(type = "number")]
    pub id: i64,
    pub mark: Option<crate::jobs::Mark>,
}

/// A prompts list typed or pasted (`file_name` None: lines, unless it reads as a CSV with a
/// header), or a file's text with its name (`.txt` lines, `.csv` CSV).
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct PromptsParseArgs {
    pub text: String,
    pub file_name: Option<String>,
}

macro_rules! signatures {
    ($($name:ident($args:ty) -> $answer:ty,)*) => {
        /// One type per command, named as the command: `Args<sig::key_set>` is its argument struct.
        #[allow(non_camel_case_types)]
        pub mod sig {
            use super::*;
            $(
                pub enum $name {}
                impl Command for $name {
                    const NAME: &'static str = stringify!($name);
                    type Args = $args;
                    type Answer = $answer;
                }
            )*
        }

        /// Every command's name, in the table's order.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// Every command's name with the name of its argument struct.
        pub const COMMAND_ARGS: &[(&str, &str)] = &[$((stringify!($name), stringify!($args))),*];

        /// `(name, argument type, answer type, the types to import)` for each command, in TypeScript.
        #[cfg(test)]
        fn typescript_signatures() -> Vec<(&'static str, String, String, Vec<String>)> {
            let cfg = ts_rs::Config::from_env();
            vec![$((
                stringify!($name),
                <$args as TS>::name(&cfg),
                <$answer as TS>::name(&cfg),
                generated::imports::<$args, $answer>(&cfg),
            )),*]
        }
    };
}

for_each_command!(signatures);

#[cfg(test)]
mod generated;
