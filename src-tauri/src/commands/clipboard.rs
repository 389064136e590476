//! The picture on the OS clipboard, for `image_from_clipboard`. First through the official
//! clipboard plugin's Rust API (arboard underneath: macOS, Windows, X11, Wayland), which hands
//! over RGBA pixels; its refusals are sorted into "there is no PNG picture" or a sentence the
//! user can act on. On Linux arboard asks the clipboard for `image/png` only, so when there is
//! none the clipboard's own list of types is read through GTK (the webview's toolkit, on X11 and
//! Wayland alike) and any other picture type it offers (`xclip -t image/jpeg`, `wl-copy` of a
//! photo) is taken as the encoded bytes, for the same preparation as a file (EXIF orientation
//! included).

use crate::error_kind::{ErrorKind, Field};
use crate::studio::dto::AppError;
use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;

/// A picture from the clipboard.
pub enum Picture {
    /// As arboard decodes it: 8-bit RGBA rows, `width` × `height`.
    Pixels { rgba: Vec<u8>, width: u32, height: u32 },
    /// An encoded picture as its owner offered it (Linux, a type other than PNG).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Encoded(Vec<u8>),
}

/// The picture on the clipboard; `None` when the clipboard holds none (text, files, nothing).
pub async fn read_image(app: AppHandle) -> Result<Option<Picture>, AppError> {
    let fallback = app.clone();
    // The read is a blocking round trip to the clipboard's owner (arboard waits up to 4 s for a
    // slow one), and the plugin must not read on the main thread, which serves the webview's
    // own clipboard: a thread of the blocking pool.
    let read = tauri::async_runtime::spawn_blocking(move || {
        app.clipboard().read_image().map(|image| Picture::Pixels {
            rgba: image.rgba().to_vec(),
            width: image.width(),
            height: image.height(),
        })
    })
    .await;
    match read {
        Ok(Ok(picture)) => Ok(Some(picture)),
        Ok(Err(e)) => {
            let NoPng = sort(&e.to_string())?;
            other_picture_type(&fallback).await
        }
        Err(e) => Err(unreadable(&format!("the read stopped: {e}"))),
    }
}

/// arboard found no PNG picture on the clipboard.
struct NoPng;

/// The plugin reports every clipboard failure as arboard's sentence (`Error::Clipboard(String)`),
/// so arboard's own errors, from the same arboard the plugin uses, say which one it was.
fn sort(said: &str) -> Result<NoPng, AppError> {
    let was = |e: arboard::Error| said == e.to_string();
    // No PNG offered. Or the owner answered the request for a PNG with something else: xclip
    // answers every request with the one thing it serves (text, a JPEG…), which arboard reports
    // under this description.
    if was(arboard::Error::ContentNotAvailable) || was(wrong_type()) {
        return Ok(NoPng);
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

/// What arboard (X11) says when the clipboard's owner answers a request with another type.
fn wrong_type() -> arboard::Error {
    arboard::Error::Unknown { description: "incorrect type received from clipboard".to_owned() }
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

/// The picture type to ask for among the clipboard's types: the formats the app decodes first
/// (PNG again: arboard may have been answered with another type), then any other `image/*`
/// (HEIC, AVIF, SVG…), whose bytes get the preparation's own "can't use HEIC files" sentence.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn pick_picture_type(offered: &[String]) -> Option<&str> {
    const DECODED: [&str; 7] =
        ["image/png", "image/jpeg", "image/webp", "image/tiff", "image/bmp", "image/x-bmp", "image/gif"];
    DECODED
        .iter()
        .find_map(|want| offered.iter().find(|t| t.eq_ignore_ascii_case(want)))
        .or_else(|| offered.iter().find(|t| t.to_ascii_lowercase().starts_with("image/")))
        .map(String::as_str)
}

#[cfg(not(target_os = "linux"))]
async fn other_picture_type(_app: &AppHandle) -> Result<Option<Picture>, AppError> {
    // arboard reads every picture type the system clipboard converts to an image here.
    Ok(None)
}

/// The clipboard's types through GTK, then the bytes of the picture type it offers, if any. GTK
/// is used on its own thread (the main one) and answers through callbacks, so nothing blocks it.
#[cfg(target_os = "linux")]
async fn other_picture_type(app: &AppHandle) -> Result<Option<Picture>, AppError> {
    use gtk::gdk;
    /// What the main thread found: no picture type, or one type's bytes (empty: not delivered).
    type Found = Option<(String, Vec<u8>)>;
    let (tx, rx) = tokio::sync::oneshot::channel::<Found>();
    app.run_on_main_thread(move || {
        let clipboard = gtk::Clipboard::get(&gdk::SELECTION_CLIPBOARD);
        clipboard.request_contents(&gdk::Atom::intern("TARGETS"), move |clipboard, answer| {
            let offered: Vec<String> =
                answer.targets().unwrap_or_default().into_iter().map(|a| a.name().to_string()).collect();
            let Some(wanted) = pick_picture_type(&offered).map(str::to_owned) else {
                let _ = tx.send(None);
                return;
            };
            clipboard.request_contents(&gdk::Atom::intern(&wanted), move |_, data| {
                let _ = tx.send(Some((wanted, data.data())));
            });
        });
    })
    .map_err(|e| unreadable(&format!("the main thread is gone: {e}")))?;
    // GTK gives up on a silent owner by itself; this only guards against a lost callback.
    match tokio::time::timeout(std::time::Duration::from_secs(30), rx).await {
        Ok(Ok(None)) => Ok(None),
        Ok(Ok(Some((_, bytes)))) if !bytes.is_empty() => Ok(Some(Picture::Encoded(bytes))),
        Ok(Ok(Some((wanted, _)))) => Err(unreadable(&format!("the clipboard offered {wanted} but sent nothing"))),
        Ok(Err(_)) => Err(unreadable("GTK dropped the clipboard request")),
        Err(_) => Err(unreadable("no answer from the clipboard in 30 s")),
    }
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
    fn no_png_on_the_clipboard_means_look_for_another_picture_type() {
        assert!(matches!(sort(&plugin_says(arboard::Error::ContentNotAvailable)), Ok(NoPng)));
        // xclip serving text or a JPEG answers the request for a PNG with that.
        assert!(matches!(sort(&plugin_says(wrong_type())), Ok(NoPng)));
    }

    #[test]
    fn a_picture_the_os_cannot_decode_is_an_error_on_the_image_slot() {
        let e = sort(&plugin_says(arboard::Error::ConversionFailure)).err().unwrap();
        assert_actionable(&e);
        assert!(e.message.contains("could not be decoded"), "{}", e.message);
    }

    #[test]
    fn a_busy_or_broken_clipboard_says_what_to_do() {
        let busy = sort(&plugin_says(arboard::Error::ClipboardOccupied)).err().unwrap();
        assert_actionable(&busy);
        assert!(busy.message.contains("paste again"), "{}", busy.message);
        for e in [
            arboard::Error::ClipboardNotSupported,
            arboard::Error::Unknown { description: "X11 connection refused".into() },
        ] {
            let e = sort(&plugin_says(e)).err().unwrap();
            assert_actionable(&e);
            assert!(e.message.contains("save it as a file"), "{}", e.message);
        }
    }

    #[test]
    fn the_picture_type_asked_for_is_one_the_app_decodes_first() {
        let types = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(pick_picture_type(&types(&["TARGETS", "UTF8_STRING", "text/plain"])), None);
        assert_eq!(pick_picture_type(&types(&["TARGETS", "image/jpeg"])), Some("image/jpeg"));
        // A browser's copied image: PNG among the others, whatever the order.
        let browser = types(&["text/html", "image/bmp", "image/jpeg", "image/png", "text/x-moz-url"]);
        assert_eq!(pick_picture_type(&browser), Some("image/png"));
        assert_eq!(pick_picture_type(&types(&["image/heic", "image/webp"])), Some("image/webp"));
        // A type the app cannot use is still read, so the user is told why it is refused.
        assert_eq!(pick_picture_type(&types(&["text/plain", "image/heic"])), Some("image/heic"));
        assert_eq!(pick_picture_type(&types(&["Image/JPEG"])), Some("Image/JPEG"));
    }
}
