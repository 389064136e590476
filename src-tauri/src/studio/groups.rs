//! The app's side of boards and batches, the budget and marks: a board's drafts made per model
//! (options a model lacks left out and noted), Kyma's balance read before a group is sent, the
//! daily cap from the settings, and each group shown with its members.

use super::dto::{AppError, Budget, CancelOutcome, GroupDraft, GroupView, Job};
use super::Studio;
use crate::error_kind::ErrorKind;
use crate::jobs::{Draft as EngineDraft, Group, GroupKind, Mark, NewGroup, Spending, Status};

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
        for d in group.drafts {
            let image =
                self.image_input(d.image_id.as_deref(), d.image_url.as_deref(), crate::error_kind::Field::Image)?;
            let end_image = self.image_input(
                d.end_image_id.as_deref(),
                d.end_image_url.as_deref(),
                crate::error_kind::Field::EndImage,
            )?;
            let mut options = d.options;
            if group.kind == GroupKind::Board {
                if let Some(model) = catalog.get(&d.model) {
                    let (kept, dropped) = options.for_model(&model.caps, image.is_some());
                    if !dropped.is_empty() {
                        notes.push(format!("{}: {} left out", d.model, dropped.join(", ")));
                    }
                    options = kept;
                }
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
        let (made, _) = self.engine.submit_group(NewGroup { kind: group.kind, title }, drafts, spending).await?;
        let mut view = self.group_view(made.id)?;
        view.notes = notes;
        Ok(view)
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
        notes: Vec::new(),
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
