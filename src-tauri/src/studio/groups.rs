//! The app's side of boards and batches, the budget and marks: a board's drafts made per model
//! (options a model lacks left out and noted), Kyma's balance read before a group is sent, the
//! daily cap from the settings, and each group shown with its members.

use super::dto::{AppError, Budget, CancelOutcome, GroupDraft, GroupView, Job};
use super::Studio;
use crate::error_kind::ErrorKind;
use crate::jobs::batch_rows::{self, PromptRow, PromptsFormat};
use crate::jobs::{left_out_note, Draft as EngineDraft, Group, GroupKind, Mark, NewGroup, Spending, Status};

impl Studio {
    /// Makes a board or a batch: every draft checked, the total held against Kyma's balance (when
    /// it answers), the daily cap and nothing else, then recorded as one group and sent as the
    /// queue allows. Nothing is recorded or sent when any of it is refused.
    pub async fn make_group(&self, group: GroupDraft) -> Result<GroupView, AppError> {
        if self.key.lock().api_key().is_none() {
            return Err(AppError::new(ErrorKind::NoKey, "Set your Kyma API key first (Settings → API key)."));
        }
        let catalog = self.engine.catalog();
        let mut notes = Vec::new();
        let mut drafts = Vec::with_capacity(group.drafts.len());
        // On a board, a frame some cells have and another lacks was left out for it by the window
        // (its model does not take one): said with the options that model lacks.
        let board = group.kind == GroupKind::Board;
        let any_start = group.drafts.iter().any(|d| d.image_id.is_some() || d.image_url.is_some());
        let any_end = group.drafts.iter().any(|d| d.end_image_id.is_some() || d.end_image_url.is_some());
        for d in group.drafts {
            let image =
                self.image_input(d.image_id.as_deref(), d.image_url.as_deref(), crate::error_kind::Field::Image)?;
            let end_image = self.image_input(
                d.end_image_id.as_deref(),
                d.end_image_url.as_deref(),
                crate::error_kind::Field::EndImage,
            )?;
            let mut options = d.options;
            if board {
                let mut lost = Vec::new();
                if any_start && image.is_none() {
                    lost.push("start image");
                }
                if any_end && end_image.is_none() {
                    lost.push("end frame");
                }
                if let Some(model) = catalog.get(&d.model) {
                    let (kept, dropped) = options.for_model(&model.caps, image.is_some());
                    lost.extend(dropped);
                    options = kept;
                }
                notes.extend(left_out_note(&d.model, &lost));
            }
            drafts.push(EngineDraft {
                model: d.model,
                prompt: d.prompt,
                duration: Some(d.duration),
                image,
                end_image,
                options,
            });
        }
        let title = match group.title.trim() {
            "" => drafts.first().map(|d| d.prompt.trim().to_string()).unwrap_or_default(),
            t => t.to_string(),
        };
        let spending = Spending { max_total: None, balance: self.balance().await };
        let (made, _) = self.engine.submit_group(NewGroup { kind: group.kind, title, notes }, drafts, spending).await?;
        self.group_view(made.id)
    }

    /// Kyma's balance, when it answers with a figure (a second at most: never a reason to wait).
    async fn balance(&self) -> Option<crate::api::Micros> {
        let client = self.kyma()?.client().ok()?;
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), client.balance()).await;
        match read {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                log::warn!("could not read the balance: {}", e.kind());
                None
            }
            Err(_) => None,
        }
    }

    /// The header's money: the balance (when Kyma gives it), today's spending and the cap.
    pub async fn budget(&self) -> Result<Budget, AppError> {
        let balance = self.balance().await;
        Ok(Budget {
            balance_micros: balance.map(|b| b.0),
            spent_today_micros: self.engine.spent_today(self.utc_offset_minutes)?.0,
            daily_cap_micros: self.settings.read().daily_cap_micros,
        })
    }

    /// A group with its members.
    pub fn group_view(&self, id: i64) -> Result<GroupView, AppError> {
        let g = self.engine.group(id)?;
        let cells: Vec<Job> = self.engine.members(id)?.iter().map(|m| self.job(m)).collect();
        Ok(view(g, cells))
    }

    /// Every group, newest first, with its members.
    pub fn group_list(&self) -> Result<Vec<GroupView>, AppError> {
        self.engine.groups()?.into_iter().map(|g| self.group_view(g.id)).collect()
    }

    pub fn pause_group(&self, id: i64) -> Result<GroupView, AppError> {
        self.engine.pause_group(id)?;
        self.group_view(id)
    }

    pub fn resume_group(&self, id: i64) -> Result<GroupView, AppError> {
        self.engine.resume_group(id)?;
        self.group_view(id)
    }

    /// Cancels the rest of a group, with the sentence that says what happened to each part.
    pub async fn cancel_group(&self, id: i64) -> Result<CancelOutcome, AppError> {
        let r = self.engine.cancel_group(id).await?;
        Ok(CancelOutcome { dropped: r.dropped, at_kyma: r.at_kyma, message: cancel_sentence(r.dropped, r.at_kyma) })
    }

    pub fn set_mark(&self, id: i64, mark: Option<Mark>) -> Result<Job, AppError> {
        let g = self.engine.set_mark(id, mark)?;
        let _ = self.library_events.send(super::dto::LibraryChanged { ids: vec![id], all: false });
        Ok(self.job(&g))
    }
}

/// The largest prompts file read: a list of 500 prompts of 2,000 characters fits well inside.
pub const MAX_PROMPTS_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Rows of a prompts list: a file's format from its name, pasted text by its look.
pub fn parse_prompts(text: &str, file_name: Option<&str>) -> Result<Vec<PromptRow>, AppError> {
    let format = file_name.and_then(PromptsFormat::from_file_name).unwrap_or(PromptsFormat::Auto);
    batch_rows::parse(text, format)
        .map_err(|e| AppError::new(ErrorKind::InvalidInput, e.message).about(crate::error_kind::Field::Prompt))
}

/// A prompts file's name and text: UTF-8 (a BOM is fine), at most [`MAX_PROMPTS_FILE_BYTES`].
pub fn read_prompts_file(path: &std::path::Path) -> Result<super::dto::PromptsFile, AppError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let refuse = |m: String| AppError::new(ErrorKind::InvalidInput, m).about(crate::error_kind::Field::Prompt);
    let meta = std::fs::metadata(path).map_err(|e| refuse(format!("Could not read {name}: {e}.")))?;
    if meta.len() > MAX_PROMPTS_FILE_BYTES {
        return Err(refuse(format!(
            "{name} is {} MB; a prompts list is at most {} MB. Split it.",
            meta.len().div_ceil(1024 * 1024),
            MAX_PROMPTS_FILE_BYTES / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| refuse(format!("Could not read {name}: {e}.")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        refuse(format!("{name} is not UTF-8 text. Save it as UTF-8 (CSV UTF-8 in Excel) and open it again."))
    })?;
    Ok(super::dto::PromptsFile { name, text })
}

fn view(g: Group, cells: Vec<Job>) -> GroupView {
    let done = cells.iter().filter(|c| c.status.is_terminal()).count() as u32;
    let spent = cells.iter().filter(|c| c.status != Status::Rejected).filter_map(|c| c.charged_micros).sum();
    GroupView {
        id: g.id,
        kind: g.kind,
        title: g.title,
        state: g.state,
        size: g.size,
        hold_micros: g.hold.0,
        spent_micros: spent,
        done,
        created_at: g.created_at,
        cells,
        notes: g.notes,
    }
}

/// "6 not yet sent were dropped: nothing was charged for them. 4 already at Kyma cannot be
/// stopped: they finish and are billed."
pub fn cancel_sentence(dropped: u32, at_kyma: u32) -> String {
    let plural = |n: u32, one: &str, many: &str| if n == 1 { one.to_string() } else { format!("{n} {many}") };
    let mut parts = Vec::new();
    if dropped > 0 {
        parts.push(format!(
            "{} dropped before {} sent: nothing was charged for {}.",
            plural(dropped, "1 clip was", "clips were"),
            if dropped == 1 { "it was" } else { "they were" },
            if dropped == 1 { "it" } else { "them" }
        ));
    }
    if at_kyma > 0 {
        parts.push(format!(
            "{} already at Kyma and cannot be stopped: {} and {} billed.",
            plural(at_kyma, "1 clip is", "clips are"),
            if at_kyma == 1 { "it finishes" } else { "they finish" },
            if at_kyma == 1 { "is" } else { "are" }
        ));
    }
    if parts.is_empty() {
        return "Nothing was left to cancel: every clip had finished.".into();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn prompts_files_are_read_as_utf8_text_and_parsed_by_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("shots.CSV");
        std::fs::write(&csv, "\u{feff}prompt,model\n\"a fox, running\",kling-3-pro\n夜の東京,\n").unwrap();
        let file = super::read_prompts_file(&csv).unwrap();
        let rows = super::parse_prompts(&file.text, Some(&file.name)).unwrap();
        assert_eq!(rows.iter().map(|r| r.prompt.as_str()).collect::<Vec<_>>(), ["a fox, running", "夜の東京"]);
        assert_eq!(rows[0].model.as_deref(), Some("kling-3-pro"));
        let latin1 = dir.path().join("old.txt");
        std::fs::write(&latin1, b"caf\xe9\n").unwrap();
        assert!(super::read_prompts_file(&latin1).unwrap_err().message.contains("is not UTF-8 text"));
        let pasted = super::parse_prompts("one\n\n# a note\ntwo\n", None).unwrap();
        assert_eq!(pasted.len(), 2);
        assert!(super::parse_prompts("", None).is_err());
    }

    #[test]
    fn the_cancel_sentence_says_what_was_dropped_and_what_cannot_be_stopped() {
        assert_eq!(
            super::cancel_sentence(6, 4),
            "6 clips were dropped before they were sent: nothing was charged for them. \
             4 clips are already at Kyma and cannot be stopped: they finish and are billed."
        );
        assert_eq!(
            super::cancel_sentence(1, 1),
            "1 clip was dropped before it was sent: nothing was charged for it. \
             1 clip is already at Kyma and cannot be stopped: it finishes and is billed."
        );
        assert_eq!(super::cancel_sentence(0, 0), "Nothing was left to cancel: every clip had finished.");
    }
}
