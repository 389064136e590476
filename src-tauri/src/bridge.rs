//! The window side of the core's events: engine events become typed window events
//! (`job-changed`, `job-progress`, `job-problem`), library changes become `library-changed`,
//! OS file drops become prepared start images (`drop-hover`, `image-dropped`), and a finished
//! clip notifies when the window is not focused.

use crate::jobs::{Event, Status};
use crate::studio::dto::{AppError, DropHover, ImageDropped, ImagesDropped, JobProblem, JobProgress};
use crate::studio::Studio;
use std::sync::Arc;
use tauri::{AppHandle, DragDropEvent, Emitter, Manager, Runtime, WindowEvent};
use tauri_plugin_notification::NotificationExt;

pub fn forward_engine_events<R: Runtime>(app: AppHandle<R>, studio: Arc<Studio>) {
    let mut rx = studio.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            match event {
                Event::Changed(g) => {
                    let job = studio.job(&g);
                    if g.status == Status::Succeeded {
                        notify_if_unfocused(&app, &format!("{} clip ready", g.model), &g.prompt);
                    }
                    let _ = app.emit("job-changed", job);
                }
                Event::Progress { id, bytes_done, bytes_total } => {
                    let _ = app.emit("job-progress", JobProgress { id, bytes_done, bytes_total });
                }
                Event::Problem { id, kind, message, link } => {
                    let error = AppError { link, ..AppError::new(kind, message) };
                    let _ = app.emit("job-problem", JobProblem { id, error });
                }
            }
        }
    });
}

/// `library-changed`: favourites, deletions, located or forgotten clips, a moved library.
pub fn forward_library_events<R: Runtime>(app: AppHandle<R>, studio: Arc<Studio>) {
    let mut rx = studio.subscribe_library();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(changed) => {
                    let _ = app.emit("library-changed", changed);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ =
                        app.emit("library-changed", crate::studio::dto::LibraryChanged { ids: Vec::new(), all: true });
                }
                Err(_) => return,
            }
        }
    });
}

fn notify_if_unfocused<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
    if !focused {
        let body: String = body.chars().take(120).collect();
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            log::warn!("could not show a notification: {e}");
        }
    }
}

pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    let WindowEvent::DragDrop(drop) = event else {
        return;
    };
    let app = window.app_handle().clone();
    match drop {
        DragDropEvent::Enter { .. } | DragDropEvent::Over { .. } => {
            let _ = app.emit("drop-hover", DropHover { over: true });
        }
        DragDropEvent::Leave => {
            let _ = app.emit("drop-hover", DropHover { over: false });
        }
        DragDropEvent::Drop { paths, position } => {
            let _ = app.emit("drop-hover", DropHover { over: false });
            // Several files, or a folder: a batch's pictures (the window stages each, showing
            // progress and any bad file on its own row).
            if paths.len() > 1 || paths.first().is_some_and(|p| p.is_dir()) {
                let pictures = crate::media::pictures_in(paths);
                let _ = app.emit(
                    "images-dropped",
                    ImagesDropped {
                        paths: pictures.iter().map(|p| p.display().to_string()).collect(),
                        skipped: count_skipped(paths, pictures.len()),
                    },
                );
                return;
            }
            let Some(path) = paths.first().cloned() else {
                return;
            };
            // Where it landed, in the page's CSS pixels: a drop on the end-frame slot fills it.
            let scale = window.scale_factor().unwrap_or(1.0);
            let at = position.to_logical::<f64>(scale);
            let position = Some((at.x, at.y));
            let studio = app.state::<Arc<Studio>>().inner().clone();
            tauri::async_runtime::spawn(async move {
                let dropped = match studio.stage_image_file(path).await {
                    Ok(image) => ImageDropped { image: Some(image), error: None, position },
                    Err(error) => ImageDropped { image: None, error: Some(error), position },
                };
                let _ = app.emit("image-dropped", dropped);
            });
        }
        _ => {}
    }
}

/// Dropped files that are not pictures (a folder's count as what it holds): said, not hidden.
fn count_skipped(paths: &[std::path::PathBuf], pictures: usize) -> u32 {
    let offered: usize = paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                std::fs::read_dir(p).map(|d| d.flatten().filter(|e| e.path().is_file()).count()).unwrap_or(0)
            } else {
                1
            }
        })
        .sum();
    offered.saturating_sub(pictures) as u32
}
