//! `#[tauri::command]` functions only: take the arguments, call the Studio, return its answer or
//! its `AppError`. No logic lives here. Each is a line of the command table
//! (`studio/command_table.rs`), whose `sig` types give every function its argument and answer.

use crate::error_kind::{ErrorKind, Field};
use crate::studio::dto::AppError;
use crate::studio::ipc::{sig, Answer, Args};
use crate::studio::Studio;
use base64::Engine as _;
use std::io::Write as _;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

mod clipboard;
use clipboard::Picture;

type Studio_<'a> = State<'a, Arc<Studio>>;

/// Adds a filter of `extensions` to a file picker, spelled as this OS's picker needs them (both
/// cases on Linux, whose GTK picker matches case: `ospath::picker_extensions`).
fn with_filter<R: tauri::Runtime>(
    picker: tauri_plugin_dialog::FileDialogBuilder<R>,
    name: &str,
    extensions: &[&str],
) -> tauri_plugin_dialog::FileDialogBuilder<R> {
    let spelled = crate::ospath::picker_extensions(extensions, crate::ospath::Platform::CURRENT);
    let spelled: Vec<&str> = spelled.iter().map(String::as_str).collect();
    picker.add_filter(name, &spelled)
}

#[tauri::command]
pub fn app_state(studio: Studio_<'_>) -> Answer<sig::app_state> {
    studio.app_state()
}

#[tauri::command]
pub async fn key_set(studio: Studio_<'_>, args: Args<sig::key_set>) -> Answer<sig::key_set> {
    studio.set_key(&args.key, false).await
}

#[tauri::command]
pub async fn key_use_session(studio: Studio_<'_>, args: Args<sig::key_use_session>) -> Answer<sig::key_use_session> {
    studio.set_key(&args.key, true).await
}

#[tauri::command]
pub async fn key_delete(studio: Studio_<'_>) -> Answer<sig::key_delete> {
    studio.delete_key().await
}

#[tauri::command]
pub async fn settings_save(studio: Studio_<'_>, args: Args<sig::settings_save>) -> Answer<sig::settings_save> {
    studio.save_settings(args.settings, args.bucket_secret).await
}

#[tauri::command]
pub async fn image_pick(app: AppHandle, studio: Studio_<'_>) -> Answer<sig::image_pick> {
    let picker = app.dialog().file().set_title("Choose a start image");
    let picked = with_filter(picker, "Images", crate::media::PICTURE_EXTENSIONS).blocking_pick_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    studio.stage_image_file(path).await.map(Some)
}

#[tauri::command]
pub async fn image_from_path(studio: Studio_<'_>, args: Args<sig::image_from_path>) -> Answer<sig::image_from_path> {
    studio.stage_image_file(args.path.into()).await
}

#[tauri::command]
pub async fn image_from_bytes(studio: Studio_<'_>, args: Args<sig::image_from_bytes>) -> Answer<sig::image_from_bytes> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(args.bytes.as_bytes())
        .map_err(|_| AppError::new(ErrorKind::NotAnImage, "The pasted data is not an image.").about(Field::Image))?;
    studio.stage_image_bytes(bytes, args.name).await
}

/// Ctrl+V when the webview handed over no image file (WebKitGTK never does): the picture on the
/// OS clipboard becomes the start image, prepared like a file; `None` when there is no picture.
#[tauri::command]
pub async fn image_from_clipboard(app: AppHandle, studio: Studio_<'_>) -> Answer<sig::image_from_clipboard> {
    match clipboard::read_image(app).await? {
        Some(Picture::Pixels { rgba, width, height }) => studio.stage_image_rgba(rgba, width, height).await.map(Some),
        Some(Picture::Encoded(bytes)) => {
            studio.stage_image_bytes(bytes, Studio::PASTED_NAME.to_owned()).await.map(Some)
        }
        None => Ok(None),
    }
}

#[tauri::command]
pub async fn generate(studio: Studio_<'_>, args: Args<sig::generate>) -> Answer<sig::generate> {
    studio.generate(args.draft).await
}

#[tauri::command]
pub async fn job_again(studio: Studio_<'_>, args: Args<sig::job_again>) -> Answer<sig::job_again> {
    studio.again(args.id).await
}

#[tauri::command]
pub async fn job_settings(studio: Studio_<'_>, args: Args<sig::job_settings>) -> Answer<sig::job_settings> {
    studio.settings_of(args.id).await
}

#[tauri::command]
pub fn job_remove(studio: Studio_<'_>, args: Args<sig::job_remove>) -> Answer<sig::job_remove> {
    studio.remove(args.id)
}

#[tauri::command]
pub fn reveal_clip(app: AppHandle, studio: Studio_<'_>, args: Args<sig::reveal_clip>) -> Answer<sig::reveal_clip> {
    let path = studio.clip_path(args.id)?;
    app.opener()
        .reveal_item_in_dir(path)
        .map_err(|e| AppError::new(ErrorKind::Io, format!("Could not open the file manager: {e}.")))
}

#[tauri::command]
pub async fn refresh_catalog(studio: Studio_<'_>) -> Answer<sig::refresh_catalog> {
    studio.refresh_catalog().await
}

#[tauri::command]
pub async fn gallery_query(studio: Studio_<'_>, args: Args<sig::gallery_query>) -> Answer<sig::gallery_query> {
    studio.gallery_query(args.query).await
}

#[tauri::command]
pub async fn gallery_details(studio: Studio_<'_>, args: Args<sig::gallery_details>) -> Answer<sig::gallery_details> {
    studio.gallery_details(args.id).await
}

#[tauri::command]
pub async fn favourite_set(studio: Studio_<'_>, args: Args<sig::favourite_set>) -> Answer<sig::favourite_set> {
    studio.set_favourite(args.id, args.on).await
}

#[tauri::command]
pub async fn clip_delete(studio: Studio_<'_>, args: Args<sig::clip_delete>) -> Answer<sig::clip_delete> {
    studio.delete_clip(args.id).await
}

#[tauri::command]
pub async fn clip_undo_delete(studio: Studio_<'_>, args: Args<sig::clip_undo_delete>) -> Answer<sig::clip_undo_delete> {
    studio.undo_delete(args.id).await
}

#[tauri::command]
pub async fn clip_save_copy(
    app: AppHandle,
    studio: Studio_<'_>,
    args: Args<sig::clip_save_copy>,
) -> Answer<sig::clip_save_copy> {
    let name = studio.clip_file_name(args.id)?;
    let picked = app
        .dialog()
        .file()
        .set_title("Save a copy of the clip")
        .set_file_name(&name)
        .add_filter("MP4 video", &["mp4"])
        .blocking_save_file();
    let Some(dest) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    studio.save_copy(args.id, dest.clone()).await?;
    Ok(Some(dest.display().to_string()))
}

#[tauri::command]
pub async fn clip_locate(
    app: AppHandle,
    studio: Studio_<'_>,
    args: Args<sig::clip_locate>,
) -> Answer<sig::clip_locate> {
    let picker = app.dialog().file().set_title("Locate the missing clip");
    let picked = with_filter(picker, "MP4 video", &["mp4", "m4v", "mov"]).blocking_pick_file();
    let Some(file) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(false);
    };
    studio.locate(args.id, file).await?;
    Ok(true)
}

#[tauri::command]
pub async fn clip_forget(studio: Studio_<'_>, args: Args<sig::clip_forget>) -> Answer<sig::clip_forget> {
    studio.forget(args.id).await
}

#[tauri::command]
pub async fn thumb_put(studio: Studio_<'_>, args: Args<sig::thumb_put>) -> Answer<sig::thumb_put> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(args.bytes.as_bytes())
        .map_err(|_| AppError::new(ErrorKind::BadThumbnail, "The poster image did not arrive intact."))?;
    studio.put_thumb(args.id, bytes).await
}

#[tauri::command]
pub async fn spend_summary(studio: Studio_<'_>, args: Args<sig::spend_summary>) -> Answer<sig::spend_summary> {
    studio.spend(args.query).await
}

#[tauri::command]
pub async fn library_pick_folder(app: AppHandle, studio: Studio_<'_>) -> Answer<sig::library_pick_folder> {
    let mut picker = app.dialog().file().set_title("Choose the library folder");
    if let Some(start) = studio.picker_start() {
        picker = picker.set_directory(start);
    }
    let picked = picker.blocking_pick_folder();
    Ok(picked.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn library_move(
    app: AppHandle,
    studio: Studio_<'_>,
    args: Args<sig::library_move>,
) -> Answer<sig::library_move> {
    studio.move_library(args.dir.into(), args.mode, move |p| drop(app.emit("library-move-progress", p))).await
}

/// The window drew its first frame. Logged; with `KYMA_REPORT_READY=1` also printed as the line
/// `ready` on stdout, which `make bench` times start-up by (scripts/bench_startup.py).
#[tauri::command]
pub fn ui_ready() -> Answer<sig::ui_ready> {
    log::info!("UI ready");
    crate::startup::mark(crate::startup::Milestone::UiReady);
    if crate::startup::reporting() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready");
        let _ = out.flush();
    }
    Ok(())
}

/// What is wrong with the library when it could not be opened (None: it opened).
#[tauri::command]
pub fn library_trouble(rescue: State<'_, crate::studio::rescue::Rescue>) -> Answer<sig::library_trouble> {
    Ok(rescue.trouble())
}

/// Recovers the damaged library and opens it; the window then reloads into it.
#[tauri::command]
pub async fn library_recover(
    app: AppHandle,
    rescue: State<'_, crate::studio::rescue::Rescue>,
) -> Answer<sig::library_recover> {
    let (report, studio) = rescue.recover().await?;
    crate::attach_studio(&app, studio);
    Ok(report)
}

/// The library folders the records expect and cannot find (an unplugged drive, a renamed
/// folder), and damage found in the database in the background.
#[tauri::command]
pub async fn library_health(studio: Studio_<'_>) -> Answer<sig::library_health> {
    studio.library_health().await
}

/// Points the records of a library folder that is away at where the user found it.
#[tauri::command]
pub async fn library_relink(studio: Studio_<'_>, args: Args<sig::library_relink>) -> Answer<sig::library_relink> {
    studio.library_relink(args.from.into(), args.to.into()).await
}

/// Quits and starts the app again (after damage was found: it opens on the repair offer). The
/// open jobs are given back first, so the new process takes them at once.
#[tauri::command]
pub fn app_restart(app: AppHandle) -> Answer<sig::app_restart> {
    use tauri::Manager as _;
    if let Some(studio) = app.try_state::<Arc<Studio>>() {
        studio.engine().release_claims();
    }
    app.restart()
}

#[cfg(test)]
mod tests;

#[tauri::command]
pub async fn group_make(studio: Studio_<'_>, args: Args<sig::group_make>) -> Answer<sig::group_make> {
    studio.make_group(args.group).await
}

#[tauri::command]
pub fn group_list(studio: Studio_<'_>) -> Answer<sig::group_list> {
    studio.group_list()
}

#[tauri::command]
pub fn group_get(studio: Studio_<'_>, args: Args<sig::group_get>) -> Answer<sig::group_get> {
    studio.group_view(args.id)
}

#[tauri::command]
pub fn group_pause(studio: Studio_<'_>, args: Args<sig::group_pause>) -> Answer<sig::group_pause> {
    studio.pause_group(args.id)
}

#[tauri::command]
pub fn group_resume(studio: Studio_<'_>, args: Args<sig::group_resume>) -> Answer<sig::group_resume> {
    studio.resume_group(args.id)
}

#[tauri::command]
pub async fn group_cancel(studio: Studio_<'_>, args: Args<sig::group_cancel>) -> Answer<sig::group_cancel> {
    studio.cancel_group(args.id).await
}

#[tauri::command]
pub fn mark_set(studio: Studio_<'_>, args: Args<sig::mark_set>) -> Answer<sig::mark_set> {
    studio.set_mark(args.id, args.mark)
}

#[tauri::command]
pub async fn budget_get(studio: Studio_<'_>) -> Answer<sig::budget_get> {
    studio.budget().await
}

/// Pictures for a batch: several files (or a folder's pictures, when the picker chose one).
#[tauri::command]
pub async fn images_pick_many(app: AppHandle) -> Answer<sig::images_pick_many> {
    let picker = app.dialog().file().set_title("Choose pictures for a batch");
    let picked = with_filter(picker, "Images", crate::media::PICTURE_EXTENSIONS).blocking_pick_files();
    let paths: Vec<std::path::PathBuf> =
        picked.unwrap_or_default().into_iter().filter_map(|p| p.into_path().ok()).collect();
    Ok(crate::media::pictures_in(&paths).iter().map(|p| p.display().to_string()).collect())
}

#[tauri::command]
pub fn prompts_parse(args: Args<sig::prompts_parse>) -> Answer<sig::prompts_parse> {
    crate::studio::groups::parse_prompts(&args.text, args.file_name.as_deref())
}

/// A `.txt` or `.csv` prompts list chosen with the file picker, read by the core.
#[tauri::command]
pub async fn prompts_pick(app: AppHandle) -> Answer<sig::prompts_pick> {
    let picker = app.dialog().file().set_title("Open a list of prompts");
    let picked = with_filter(picker, "Prompts (.txt, .csv)", &["txt", "csv"]).blocking_pick_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    crate::studio::groups::read_prompts_file(&path).map(Some)
}
