//! The gallery, spend and library-folder use cases of the app: thin over `library`, adding the
//! clip server's URLs, the undo window of a deletion, and `library-changed` notifications.
//! Database and file work runs on blocking threads, never on the async or UI threads.

use super::clip_server::Served;
use super::dto::{AppError, GalleryDetails, GalleryItem, GalleryPage, LibraryChanged, MoveProgress};
use super::Studio;
use crate::error_kind::ErrorKind;
use crate::jobs::{Generation, Status};
use crate::library::{self, DeleteTicket, Library, MoveMode, MoveReport, Query, Spend, SpendQuery};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long a deleted clip waits (in the library's `.deleting/` folder) before it goes to the
/// OS trash; "Undo" works until then.
pub const UNDO_WINDOW: Duration = Duration::from_secs(8);

/// Runs `f` on the library on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    lib: &Arc<Library>,
    f: impl FnOnce(&Library) -> Result<T, library::Error> + Send + 'static,
) -> Result<T, AppError> {
    let lib = lib.clone();
    tokio::task::spawn_blocking(move || f(&lib))
        .await
        .map_err(|_| AppError::new(ErrorKind::Internal, "The library task stopped unexpectedly; try again."))?
        .map_err(AppError::from)
}

impl Studio {
    pub(crate) fn gallery_item(&self, item: library::Item) -> GalleryItem {
        let clip_url = (item.status == Status::Succeeded && !item.missing && !item.away)
            .then(|| self.clips.url(Served::Clip, item.id));
        GalleryItem { thumb_url: self.clips.url(Served::Thumb, item.id), clip_url, item }
    }

    fn changed(&self, ids: Vec<i64>, all: bool) {
        let _ = self.library_events.send(LibraryChanged { ids, all });
    }

    /// `library-changed` notifications (the bridge forwards them to the window).
    pub fn subscribe_library(&self) -> tokio::sync::broadcast::Receiver<LibraryChanged> {
        self.library_events.subscribe()
    }

    pub async fn gallery_query(&self, query: Query) -> Result<GalleryPage, AppError> {
        let page = blocking(&self.library, move |l| l.query(&query)).await?;
        Ok(GalleryPage {
            total: page.total,
            offset: page.offset,
            items: page.items.into_iter().map(|i| self.gallery_item(i)).collect(),
        })
    }

    pub async fn gallery_details(&self, id: i64) -> Result<GalleryDetails, AppError> {
        let (g, video_size): (Generation, Option<(u32, u32)>) = blocking(&self.library, move |l| {
            let g = l.get(id)?;
            let size = l.clip_path(&g).and_then(|p| crate::media::mp4::video_size(&p).ok());
            Ok((g, size))
        })
        .await?;
        let resolution = self.engine.catalog().get(&g.model).and_then(|m| m.resolution.clone());
        let mut item = library::query::item_of(&g);
        let away = library::away::away_folder(&self.library.paths());
        item.away = has_clip(&g) && library::away::in_away_folder(&away, &g.media_dir);
        let item = self.gallery_item(item);
        let mut job = self.job(&g);
        job.clip_url = item.clip_url.clone();
        Ok(GalleryDetails {
            job,
            item,
            resolution,
            video_size,
            clip_bytes: g.clip_bytes,
            image_source: g.image_source.clone(),
            downloaded_at: g.downloaded_at.clone(),
        })
    }

    pub async fn set_favourite(&self, id: i64, on: bool) -> Result<(), AppError> {
        blocking(&self.library, move |l| l.set_favourite(id, on)).await?;
        self.changed(vec![id], false);
        Ok(())
    }

    /// Deletes a clip with an undo window; afterwards its file goes to the OS trash. The record
    /// stays in the spend history.
    pub async fn delete_clip(&self, id: i64) -> Result<DeleteTicket, AppError> {
        let ticket = blocking(&self.library, move |l| l.delete(id, UNDO_WINDOW)).await?;
        self.changed(vec![id], false);
        let lib = self.library.clone();
        let events = self.library_events.clone();
        tokio::spawn(async move {
            tokio::time::sleep(UNDO_WINDOW + Duration::from_millis(500)).await;
            match blocking(&lib, |l| l.finish_deletes(UNDO_WINDOW)).await {
                Ok(n) if n > 0 => {
                    let _ = events.send(LibraryChanged { ids: vec![id], all: false });
                }
                Ok(_) => {}
                Err(e) => {
                    log::warn!("a deleted clip stays in the library's .deleting folder ({}): {}", e.kind, e.message)
                }
            }
        });
        Ok(ticket)
    }

    pub async fn undo_delete(&self, id: i64) -> Result<(), AppError> {
        blocking(&self.library, move |l| l.undo_delete(id)).await?;
        self.changed(vec![id], false);
        Ok(())
    }

    pub async fn save_copy(&self, id: i64, dest: PathBuf) -> Result<u64, AppError> {
        blocking(&self.library, move |l| l.save_copy(id, &dest)).await
    }

    /// Where the save dialog should suggest: the clip's own file name.
    pub fn clip_file_name(&self, id: i64) -> Result<String, AppError> {
        let g = self.library.get(id)?;
        g.clip_file.ok_or_else(|| library::Error::NoClip(id).into())
    }

    pub async fn locate(&self, id: i64, file: PathBuf) -> Result<(), AppError> {
        blocking(&self.library, move |l| l.locate(id, &file)).await?;
        self.changed(vec![id], false);
        Ok(())
    }

    pub async fn forget(&self, id: i64) -> Result<(), AppError> {
        blocking(&self.library, move |l| l.forget(id)).await?;
        self.changed(vec![id], false);
        Ok(())
    }

    pub async fn put_thumb(&self, id: i64, jpeg: Vec<u8>) -> Result<(), AppError> {
        blocking(&self.library, move |l| l.put_thumb(id, &jpeg)).await
    }

    pub async fn spend(&self, query: SpendQuery) -> Result<Spend, AppError> {
        blocking(&self.library, move |l| l.spend(&query)).await
    }

    /// Changes the library folder, moving the clips (copy, verify, remove) or leaving them.
    pub async fn move_library(
        &self,
        dir: PathBuf,
        mode: MoveMode,
        progress: impl Fn(MoveProgress) + Send + 'static,
    ) -> Result<MoveReport, AppError> {
        let report = blocking(&self.library, move |l| {
            l.move_library(&dir, mode, &mut |done, total| progress(MoveProgress { done, total }))
        })
        .await?;
        self.library_folder_changed().await?;
        Ok(report)
    }

    /// After the library's folder changed (moved, or relinked where it was found): the engine
    /// takes the new paths and reads its unfinished jobs again, the settings show the folder,
    /// and the window reloads the library.
    pub(super) async fn library_folder_changed(&self) -> Result<(), AppError> {
        let paths = self.library.paths();
        self.settings.write().library_dir = paths.library.display().to_string();
        self.engine.relinked(paths).await?;
        self.changed(Vec::new(), true);
        Ok(())
    }

    /// Start-up housekeeping: deletions interrupted by a quit go to the trash; clips removed
    /// or restored outside the app are noticed.
    pub(crate) fn tidy_library_in_background(&self) {
        let lib = self.library.clone();
        let events = self.library_events.clone();
        tokio::spawn(async move {
            if let Err(e) = blocking(&lib, |l| l.finish_deletes(Duration::ZERO)).await {
                log::warn!("interrupted deletions stay in .deleting ({}): {}", e.kind, e.message);
            }
            match blocking(&lib, |l| l.scan_missing()).await {
                Ok(ids) if !ids.is_empty() => {
                    let _ = events.send(LibraryChanged { ids, all: false });
                }
                Ok(_) => {}
                Err(e) => log::warn!("could not check the library for missing clips: {}", e.kind),
            }
        });
    }
}

/// Whether a generation's record shows a clip (not a failure or a running job).
pub fn has_clip(g: &Generation) -> bool {
    g.status == Status::Succeeded && g.removed.is_none()
}
