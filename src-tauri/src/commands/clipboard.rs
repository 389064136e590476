//! The picture on the OS clipboard, for `image_from_clipboard`: read through the official
//! clipboard plugin's Rust API (arboard underneath: macOS, Windows, X11 and Wayland), and its
//! refusals sorted into "there is no picture" (a quiet nothing) or a sentence the user can act on.

use crate::error_kind::{ErrorKind, Field};
use crate::studio::dto::AppError;
use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;

/// A picture as the OS hands it over: 8-bit RGBA rows, `width` × `height`.
pub struct Pixels {
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The picture on the clipboard; `None` when the clipboard holds none (text, files, nothing).
pub async fn read_image(app: AppHandle) -> Result<Option<Pixels>, AppError> {
    // The read is a blocking round trip to the clipboard's owner (arboard waits up to 4 s for a
    // slow one), and the plugin must not read on the main thread, which serves the webview's
    // own clipboard: a thread of the blocking pool.
    let read = tauri::async_runtime::spawn_blocking(move || {
        app.clipboard().read_image().map(|image| Pixels {
            rgba: image.rgba().to_vec(),
            width: image.width(),
            height: image.height(),
        })
    })
    .await;
    match read {
        Ok(Ok(pixels)) => Ok(Some(pixels)),
        Ok(Err(e)) => sort(&e.to_string()).map(|()| None),
        Err(e) => Err(unreadable(&format!("the read stopped: {e}"))),
    }
}

/// The plugin reports every clipboard failure as arboard's sentence (`Error::Clipboard(String)`),
/// so arboard's own errors, from the same arboard the plugin uses, say which one it was.
/// `Ok(())`: the clipboard holds no picture.
fn sort(said: &str) -> Result<(), AppError> {
    let was = |e: arboard::Error| said == e.to_string();
    if was(arboard::Error::ContentNotAvailable) {
        return Ok(());
    }
    log::warn!("reading a picture from the clipboard: {said}");
    if was(arboard::Error::ConversionFailure) {
        return Err(AppError::new(
            ErrorKind::ClipboardUnreadable,
            "The picture on the clipboard could not be decoded; copy it again, or save it as a file \
             and drop it here.",
        )
        .about(Field::Image));
    }
    if was(arboard::Error::ClipboardOccupied) {
        return Err(AppError::new(
            ErrorKind::ClipboardUnreadable,
            "Another program is holding the clipboard; paste again in a moment.",
        )
        .about(Field::Image));
    }
    Err(unreadable(said))
}

fn unreadable(technical: &str) -> AppError {
    log::warn!("the clipboard could not be read: {technical}");
    AppError::new(
        ErrorKind::ClipboardUnreadable,
        "Kyma Studio could not read the clipboard; copy the picture again, or save it as a file and \
         drop it here.",
    )
    .about(Field::Image)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the plugin says for each arboard error, exactly as it says it.
    fn plugin_says(e: arboard::Error) -> String {
        // Compiles only while the plugin converts *our* arboard's errors: a plugin on another
        // arboard would make the comparisons in `sort` meaningless, and this test says so.
        tauri_plugin_clipboard_manager::Error::from(e).to_string()
    }

    fn assert_actionable(e: &AppError) {
        assert_eq!(e.kind, ErrorKind::ClipboardUnreadable);
        assert_eq!(e.field, Some(Field::Image), "shown on the image slot");
        assert!(e.message.ends_with('.') && e.message.chars().next().is_some_and(char::is_uppercase), "{}", e.message);
        for noise in ["arboard", "Error", "{", "native"] {
            assert!(!e.message.contains(noise), "{}", e.message);
        }
    }

    #[test]
    fn no_picture_on_the_clipboard_is_a_quiet_nothing() {
        assert!(sort(&plugin_says(arboard::Error::ContentNotAvailable)).is_ok());
    }

    #[test]
    fn a_picture_the_os_cannot_decode_is_an_error_on_the_image_slot() {
        let e = sort(&plugin_says(arboard::Error::ConversionFailure)).unwrap_err();
        assert_actionable(&e);
        assert!(e.message.contains("could not be decoded"), "{}", e.message);
    }

    #[test]
    fn a_busy_or_broken_clipboard_says_what_to_do() {
        let busy = sort(&plugin_says(arboard::Error::ClipboardOccupied)).unwrap_err();
        assert_actionable(&busy);
        assert!(busy.message.contains("paste again"), "{}", busy.message);
        for e in [
            arboard::Error::ClipboardNotSupported,
            arboard::Error::Unknown { description: "X11 connection refused".into() },
        ] {
            let e = sort(&plugin_says(e)).unwrap_err();
            assert_actionable(&e);
            assert!(e.message.contains("save it as a file"), "{}", e.message);
        }
    }
}
