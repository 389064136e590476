//! `#[tauri::command]` functions only: take the arguments, call the Studio, return its answer or
//! its `AppError`. No logic lives here. Each is listed in build.rs and granted in capabilities.

use crate::library::{DeleteTicket, MoveMode, MoveReport, Query, Spend, SpendQuery};
use crate::studio::dto::{
    AppError, AppState, Draft, GalleryDetails, GalleryPage, Job, KeyStatus, ModelInfo, Settings, StartImage,
};
use crate::studio::Studio;
use base64::Engine as _;
use std::io::Write as _;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

type Studio_<'a> = State<'a, Arc<Studio>>;

#[tauri::command]
pub fn app_state(studio: Studio_<'_>) -> Result<AppState, AppError> {
    studio.app_state()
}

#[tauri::command]
pub async fn key_set(studio: Studio_<'_>, key: String) -> Result<KeyStatus, AppError> {
    studio.set_key(&key, false).await
}

#[tauri::command]
pub async fn key_use_session(studio: Studio_<'_>, key: String) -> Result<KeyStatus, AppError> {
    studio.set_key(&key, true).await
}

#[tauri::command]
pub async fn key_delete(studio: Studio_<'_>) -> Result<KeyStatus, AppError> {
    studio.delete_key().await
}

#[tauri::command]
pub async fn settings_save(
    studio: Studio_<'_>,
    settings: Settings,
    bucket_secret: Option<String>,
) -> Result<Settings, AppError> {
    studio.save_settings(settings, bucket_secret).await
}

#[tauri::command]
pub async fn image_pick(app: AppHandle, studio: Studio_<'_>) -> Result<Option<StartImage>, AppError> {
    let picked = app
        .dialog()
        .file()
        .set_title("Choose a start image")
        .add_filter("Images", &["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"])
        .blocking_pick_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    studio.stage_image_file(path).await.map(Some)
}

#[tauri::command]
pub async fn image_from_path(studio: Studio_<'_>, path: String) -> Result<StartImage, AppError> {
    studio.stage_image_file(path.into()).await
}

#[tauri::command]
pub async fn image_from_bytes(studio: Studio_<'_>, bytes: String, name: String) -> Result<StartImage, AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(bytes.as_bytes())
        .map_err(|_| AppError::new("not_an_image", "The pasted data is not an image."))?;
    studio.stage_image_bytes(bytes, name).await
}

#[tauri::command]
pub async fn generate(studio: Studio_<'_>, draft: Draft) -> Result<Job, AppError> {
    studio.generate(draft).await
}

#[tauri::command]
pub async fn job_again(studio: Studio_<'_>, id: i64) -> Result<Job, AppError> {
    studio.again(id).await
}

#[tauri::command]
pub fn job_remove(studio: Studio_<'_>, id: i64) -> Result<(), AppError> {
    studio.remove(id)
}

#[tauri::command]
pub fn reveal_clip(app: AppHandle, studio: Studio_<'_>, id: i64) -> Result<(), AppError> {
    let path = studio.clip_path(id)?;
    app.opener()
        .reveal_item_in_dir(path)
        .map_err(|e| AppError::new("io", format!("Could not open the file manager: {e}.")))
}

#[tauri::command]
pub async fn refresh_catalog(studio: Studio_<'_>) -> Result<Vec<ModelInfo>, AppError> {
    studio.refresh_catalog().await
}

#[tauri::command]
pub async fn gallery_query(studio: Studio_<'_>, query: Query) -> Result<GalleryPage, AppError> {
    studio.gallery_query(query).await
}

#[tauri::command]
pub async fn gallery_details(studio: Studio_<'_>, id: i64) -> Result<GalleryDetails, AppError> {
    studio.gallery_details(id).await
}

#[tauri::command]
pub async fn favourite_set(studio: Studio_<'_>, id: i64, on: bool) -> Result<(), AppError> {
    studio.set_favourite(id, on).await
}

#[tauri::command]
pub async fn clip_delete(studio: Studio_<'_>, id: i64) -> Result<DeleteTicket, AppError> {
    studio.delete_clip(id).await
}

#[tauri::command]
pub async fn clip_undo_delete(studio: Studio_<'_>, id: i64) -> Result<(), AppError> {
    studio.undo_delete(id).await
}

#[tauri::command]
pub async fn clip_save_copy(app: AppHandle, studio: Studio_<'_>, id: i64) -> Result<Option<String>, AppError> {
    let name = studio.clip_file_name(id)?;
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
    studio.save_copy(id, dest.clone()).await?;
    Ok(Some(dest.display().to_string()))
}

#[tauri::command]
pub async fn clip_locate(app: AppHandle, studio: Studio_<'_>, id: i64) -> Result<bool, AppError> {
    let picked = app
        .dialog()
        .file()
        .set_title("Locate the missing clip")
        .add_filter("MP4 video", &["mp4", "m4v", "mov"])
        .blocking_pick_file();
    let Some(file) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(false);
    };
    studio.locate(id, file).await?;
    Ok(true)
}

#[tauri::command]
pub async fn clip_forget(studio: Studio_<'_>, id: i64) -> Result<(), AppError> {
    studio.forget(id).await
}

#[tauri::command]
pub async fn thumb_put(studio: Studio_<'_>, id: i64, bytes: String) -> Result<(), AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(bytes.as_bytes())
        .map_err(|_| AppError::new("bad_thumbnail", "The poster image did not arrive intact."))?;
    studio.put_thumb(id, bytes).await
}

#[tauri::command]
pub async fn spend_summary(studio: Studio_<'_>, query: SpendQuery) -> Result<Spend, AppError> {
    studio.spend(query).await
}

#[tauri::command]
pub async fn library_pick_folder(app: AppHandle) -> Result<Option<String>, AppError> {
    let picked = app.dialog().file().set_title("Choose the library folder").blocking_pick_folder();
    Ok(picked.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn library_move(
    app: AppHandle,
    studio: Studio_<'_>,
    dir: String,
    mode: MoveMode,
) -> Result<MoveReport, AppError> {
    studio.move_library(dir.into(), mode, move |p| drop(app.emit("library-move-progress", p))).await
}

/// The window drew its first frame. Logged; with `KYMA_REPORT_READY=1` also printed as the line
/// `ready` on stdout, which `make bench` times start-up by (scripts/bench_startup.py).
#[tauri::command]
pub fn ui_ready() {
    log::info!("UI ready");
    if std::env::var_os("KYMA_REPORT_READY").is_some_and(|v| v == "1") {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready");
        let _ = out.flush();
    }
}
