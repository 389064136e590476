//! The three desktop OSes' rules for paths and file names, as plain functions of text with the
//! platform a parameter: every rule is tested on whichever OS the tests run on, Windows inputs
//! (`C:\…`, `\\server\share\…`, `\\?\…`, `CON`, `a.`) included. See docs/platforms.md.

use std::fmt;

/// A desktop OS, for the rules that differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    MacOs,
    Windows,
}

impl Platform {
    /// The OS this build runs on (the BSDs follow Linux's rules).
    pub const CURRENT: Platform = if cfg!(windows) {
        Platform::Windows
    } else if cfg!(target_os = "macos") {
        Platform::MacOs
    } else {
        Platform::Linux
    };
}

/// Why a text cannot be a file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    /// `.` or `..`.
    DotName,
    /// A character the OS refuses in names (`/` everywhere; `<>:"/\|?*` and control characters
    /// on Windows; NUL everywhere).
    Forbidden(char),
    /// A Windows device name (`CON`, `NUL`, `COM1`, `LPT1`…), with or without an extension:
    /// opening `C:\x\nul.png` opens the device, not a file.
    Reserved(String),
    /// Windows drops a trailing dot or space, so `a.` and `a` would be one file.
    TrailingDotOrSpace,
    /// Longer than the 255 units a name may have (bytes on Linux, UTF-16 units on Windows and
    /// macOS).
    TooLong,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Empty => f.write_str("the name is empty"),
            NameProblem::DotName => f.write_str("\".\" and \"..\" are not file names"),
            NameProblem::Forbidden(c) if c.is_control() => write!(f, "the name contains the control character {c:?}"),
            NameProblem::Forbidden(c) => write!(f, "the name contains \"{c}\", which this system does not allow"),
            NameProblem::Reserved(n) => write!(f, "\"{n}\" is the name of a Windows device, not of a file"),
            NameProblem::TrailingDotOrSpace => f.write_str("Windows does not allow a name ending in a dot or a space"),
            NameProblem::TooLong => f.write_str("the name is longer than 255 characters"),
        }
    }
}

/// The Windows device names, reserved in every folder and with any extension.
const RESERVED: &[&str] = &["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// Whether `stem` (a name up to its first dot, trailing spaces removed) is a Windows device.
fn is_reserved_stem(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    if RESERVED.contains(&upper.as_str()) {
        return true;
    }
    // COM0-9 and LPT0-9, the superscript digits ¹²³ included (Windows treats them as digits).
    let mut chars = upper.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let rest: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT")
        && matches!(rest.as_slice(), [d] if d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
}

/// Why `name` cannot be a file or folder name on `platform`, or `None` when it can.
pub fn name_problem(name: &str, platform: Platform) -> Option<NameProblem> {
    if name.is_empty() {
        return Some(NameProblem::Empty);
    }
    if name == "." || name == ".." {
        return Some(NameProblem::DotName);
    }
    match platform {
        Platform::Windows => {
            if let Some(c) = name
                .chars()
                .find(|c| matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || (*c as u32) < 32)
            {
                return Some(NameProblem::Forbidden(c));
            }
            if name.ends_with('.') || name.ends_with(' ') {
                return Some(NameProblem::TrailingDotOrSpace);
            }
            let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
            if is_reserved_stem(stem) {
                return Some(NameProblem::Reserved(stem.to_string()));
            }
            (name.encode_utf16().count() > 255).then_some(NameProblem::TooLong)
        }
        Platform::MacOs | Platform::Linux => {
            if let Some(c) = name.chars().find(|c| *c == '/' || *c == '\0') {
                return Some(NameProblem::Forbidden(c));
            }
            let too_long =
                if platform == Platform::Linux { name.len() > 255 } else { name.encode_utf16().count() > 255 };
            too_long.then_some(NameProblem::TooLong)
        }
    }
}

/// Why a dropped or given path is not a picture the app can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotLocal {
    /// `http://…` or `https://…`: a picture dragged out of a browser arrives as its address.
    WebLink,
    /// Another URI scheme (`smb://`, `sftp://`, `data:`…).
    Scheme(String),
    /// `file://host/…` naming another computer, where the OS has no share path for it.
    RemoteHost(String),
    /// A relative path: it would be looked up from wherever the app was started.
    Relative,
    /// A Windows device path (`\\.\…`, `\\?\GLOBALROOT\…`).
    Device,
    /// A `file:` URI whose escapes do not decode to text.
    Undecodable,
    /// The file's name cannot exist on this OS (a Windows device name, say).
    BadName(NameProblem),
}

impl fmt::Display for NotLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotLocal::WebLink => f.write_str(
                "that is a web address, not a file on this computer; save the picture first, or use it as an image link",
            ),
            NotLocal::Scheme(s) => write!(f, "\"{s}:\" addresses are not files on this computer; save the picture first"),
            NotLocal::RemoteHost(h) => write!(f, "the file is on another computer ({h}); copy it here first"),
            NotLocal::Relative => f.write_str("the path is not a full path; choose the file in the file picker"),
            NotLocal::Device => f.write_str("the path names a device, not a file"),
            NotLocal::Undecodable => f.write_str("the file's address is damaged"),
            NotLocal::BadName(p) => p.fmt(f),
        }
    }
}

/// The local path a drop or a caller gave, as `platform` spells it: a plain absolute path as it
/// is (never unescaped: `100%25.png` may be a real name), a `file:` URI decoded (`file:///C:/a%20b`
/// → `C:\a b`, `file://server/share/x` → `\\server\share\x` on Windows), and a refusal for web
/// links, other schemes, relative paths and Windows device paths or names.
pub fn local_path(raw: &str, platform: Platform) -> Result<String, NotLocal> {
    let path = match uri_scheme(raw) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file") => file_uri_path(&raw[scheme.len() + 1..], platform)?,
        Some(scheme) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            return Err(NotLocal::WebLink)
        }
        Some(scheme) => return Err(NotLocal::Scheme(scheme.to_ascii_lowercase())),
        None => raw.to_string(),
    };
    check_absolute(&path, platform)?;
    Ok(path)
}

/// The scheme of a URI (`https` in `https://…`); `None` for a path, a Windows drive (`C:\`,
/// one letter) included.
fn uri_scheme(raw: &str) -> Option<&str> {
    let (scheme, _) = raw.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (scheme.len() > 1
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// `rest` is what follows `file:`; returns the path it names on `platform`.
fn file_uri_path(rest: &str, platform: Platform) -> Result<String, NotLocal> {
    // Query and fragment are not part of the path.
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = match rest.strip_prefix("//") {
        Some(after) => match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, "/"),
        },
        // `file:/home/a.png`: no authority.
        None => ("", rest),
    };
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().map_err(|_| NotLocal::Undecodable)?;
    let local_host = host.is_empty() || host.eq_ignore_ascii_case("localhost");
    match platform {
        Platform::Windows => {
            let path = decoded.replace('/', "\\");
            if !local_host {
                // `file://server/share/x` is the share `\\server\share\x`.
                return Ok(format!("\\\\{host}{path}"));
            }
            // `/C:/Users/…` (or the old `/C|/…`) is the drive path `C:\Users\…`.
            let b = path.as_bytes();
            if b.len() >= 3 && b[0] == b'\\' && b[1].is_ascii_alphabetic() && (b[2] == b':' || b[2] == b'|') {
                return Ok(format!("{}:{}", &path[1..2], &path[3..]));
            }
            Ok(path)
        }
        Platform::MacOs | Platform::Linux => {
            if !local_host {
                return Err(NotLocal::RemoteHost(host.to_string()));
            }
            Ok(decoded.into_owned())
        }
    }
}

/// How many `\\`-separated parts of a Windows path form its root (`C:`; `\\server\share`;
/// `\\?\C:`; `\\?\UNC\server\share`), or `None` for a path that is not absolute.
fn windows_root_parts(p: &str) -> Option<usize> {
    let parts: Vec<&str> = p.split('\\').collect();
    let is_drive = |s: &str| s.len() == 2 && s.as_bytes()[0].is_ascii_alphabetic() && s.as_bytes()[1] == b':';
    let named = |s: Option<&&str>| s.is_some_and(|s| !s.is_empty());
    match parts.as_slice() {
        [drive, _, ..] if is_drive(drive) => Some(1),
        ["", "", "?", unc, ..] if unc.eq_ignore_ascii_case("UNC") => {
            (named(parts.get(4)) && named(parts.get(5))).then_some(6)
        }
        ["", "", "?", volume, ..] if !volume.is_empty() => Some(4),
        ["", "", server, ..] if !server.is_empty() => named(parts.get(3)).then_some(4),
        _ => None,
    }
}

/// Refuses what is not an absolute path to a file on `platform`.
fn check_absolute(path: &str, platform: Platform) -> Result<(), NotLocal> {
    match platform {
        Platform::Windows => {
            let p = path.replace('/', "\\");
            let upper = p.to_ascii_uppercase();
            if upper.starts_with("\\\\.\\") || upper.starts_with("\\\\?\\GLOBALROOT") || upper.starts_with("\\??\\") {
                return Err(NotLocal::Device);
            }
            let Some(root) = windows_root_parts(&p) else {
                return Err(NotLocal::Relative);
            };
            // Each name past the root: a device name anywhere makes it a device path.
            let names = p.split('\\').skip(root).filter(|s| !s.is_empty() && *s != "." && *s != "..");
            // Trailing dots and spaces are let through: Windows strips them and finds the file.
            for name in names {
                if let Some(problem @ (NameProblem::Reserved(_) | NameProblem::Forbidden(_))) =
                    name_problem(name, Platform::Windows)
                {
                    return Err(NotLocal::BadName(problem));
                }
            }
            Ok(())
        }
        Platform::MacOs | Platform::Linux => {
            if path.starts_with('/') {
                Ok(())
            } else {
                Err(NotLocal::Relative)
            }
        }
    }
}

/// The extensions a file picker's filter lists on `platform`. GTK 3's file chooser (Linux)
/// matches a filter's patterns case-sensitively, so a camera's `IMG_0001.JPG` would not show
/// under `jpg`: there each extension is listed in lower and upper case too. The Windows and
/// macOS pickers ignore case already and get the list as it is.
pub fn picker_extensions(extensions: &[&str], platform: Platform) -> Vec<String> {
    let mut out: Vec<String> = extensions.iter().map(|e| e.to_string()).collect();
    if platform == Platform::Linux {
        for e in extensions {
            for spelling in [e.to_ascii_lowercase(), e.to_ascii_uppercase()] {
                if !out.contains(&spelling) {
                    out.push(spelling);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Platform::{Linux, MacOs, Windows};
    use super::*;

    #[test]
    fn windows_refuses_device_names_with_any_extension_and_case() {
        for name in ["CON", "con", "Nul.png", "aux.tar.gz", "COM1", "com9.jpg", "LPT1", "lpt3.txt", "COM¹", "CONIN$"] {
            assert!(matches!(name_problem(name, Windows), Some(NameProblem::Reserved(_))), "{name}");
            assert_eq!(name_problem(name, Linux), None, "{name} is an ordinary name on Linux");
            assert_eq!(name_problem(name, MacOs), None, "{name} is an ordinary name on macOS");
        }
        // `NUL .txt`: Windows trims the spaces before the dot, so this is the device too.
        assert!(matches!(name_problem("NUL .txt", Windows), Some(NameProblem::Reserved(_))));
        for fine in ["CONSOLE", "con_x", "COM10", "LPT", "xcon", "nul-clip.mp4", "2026-11-25_con_000042.mp4"] {
            assert_eq!(name_problem(fine, Windows), None, "{fine}");
        }
    }

    #[test]
    fn windows_refuses_its_forbidden_characters_and_trailing_dots_and_spaces() {
        for c in ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\u{1}', '\t'] {
            let name = format!("a{c}b.mp4");
            assert_eq!(name_problem(&name, Windows), Some(NameProblem::Forbidden(c)), "{name:?}");
        }
        assert_eq!(name_problem("a:b.mp4", MacOs), None, "':' is allowed by macOS's POSIX layer");
        assert_eq!(name_problem("a\\b.mp4", Linux), None);
        assert_eq!(name_problem("a/b", Linux), Some(NameProblem::Forbidden('/')));
        assert_eq!(name_problem("a\0b", MacOs), Some(NameProblem::Forbidden('\0')));
        for name in ["clip.", "clip ", "clip. ", "..."] {
            assert_eq!(name_problem(name, Windows), Some(NameProblem::TrailingDotOrSpace), "{name:?}");
            assert_eq!(name_problem(name, Linux), None, "{name:?}");
        }
        assert_eq!(name_problem(".deleting", Windows), None, "a leading dot is fine");
        assert_eq!(name_problem("", Windows), Some(NameProblem::Empty));
        assert_eq!(name_problem("..", Linux), Some(NameProblem::DotName));
    }

    #[test]
    fn names_are_at_most_255_units_of_each_systems_measure() {
        let ascii = "a".repeat(255);
        assert_eq!(name_problem(&ascii, Linux), None);
        assert_eq!(name_problem(&format!("{ascii}b"), Windows), Some(NameProblem::TooLong));
        // 200 'é' are 400 bytes (too long for Linux) but 200 UTF-16 units (fine elsewhere).
        let accents = "é".repeat(200);
        assert_eq!(name_problem(&accents, Linux), Some(NameProblem::TooLong));
        assert_eq!(name_problem(&accents, Windows), None);
        assert_eq!(name_problem(&accents, MacOs), None);
    }

    #[test]
    fn plain_absolute_paths_pass_unchanged() {
        let cases = [
            (Linux, "/home/ana/Pictures/a b ü 日本.png"),
            (Linux, "/tmp/100%25 sure.png"),
            (MacOs, "/Users/ana/Desktop/Screen Shot 2026-01-01 at 10.00.00.png"),
            (Windows, r"C:\Users\Zoë\Pictures\a b.png"),
            (Windows, r"c:/Users/ana/a.png"),
            (Windows, r"\\server\share\pictures\a.png"),
            (Windows, r"\\?\C:\Users\ana\very\long\path\a.png"),
            (Windows, r"\\?\UNC\server\share\a.png"),
            (Windows, r"D:\photos\..\a.png"),
            // Windows strips a trailing dot or space and still finds the file.
            (Windows, r"C:\photos.\a.png"),
        ];
        for (platform, path) in cases {
            assert_eq!(local_path(path, platform).as_deref(), Ok(path), "{platform:?} {path}");
        }
    }

    #[test]
    fn file_uris_become_paths_on_each_platform() {
        let cases = [
            (Linux, "file:///home/ana/a%20b%C3%BC.png", "/home/ana/a bü.png"),
            (Linux, "file://localhost/home/ana/a.png", "/home/ana/a.png"),
            (Linux, "FILE:/home/ana/a.png", "/home/ana/a.png"),
            (MacOs, "file:///Users/ana/%E6%97%A5%E6%9C%AC.png?x=1#y", "/Users/ana/日本.png"),
            (Windows, "file:///C:/Users/Zo%C3%AB/a%20b.png", r"C:\Users\Zoë\a b.png"),
            (Windows, "file:///c|/a.png", r"c:\a.png"),
            (Windows, "file://localhost/D:/x/a.png", r"D:\x\a.png"),
            (Windows, "file://server/share/dir/a.png", r"\\server\share\dir\a.png"),
        ];
        for (platform, uri, path) in cases {
            assert_eq!(local_path(uri, platform).as_deref(), Ok(path), "{platform:?} {uri}");
        }
        assert_eq!(local_path("file://server/share/a.png", Linux), Err(NotLocal::RemoteHost("server".into())));
        assert_eq!(local_path("file:///home/%FF.png", Linux), Err(NotLocal::Undecodable));
    }

    #[test]
    fn links_relative_paths_and_devices_are_refused() {
        for platform in [Linux, MacOs, Windows] {
            assert_eq!(local_path("https://example.com/cat.png", platform), Err(NotLocal::WebLink));
            assert_eq!(local_path("HTTP://example.com/cat.png", platform), Err(NotLocal::WebLink));
            assert_eq!(local_path("smb://nas/share/a.png", platform), Err(NotLocal::Scheme("smb".into())));
            assert_eq!(local_path("data:image/png;base64,AAAA", platform), Err(NotLocal::Scheme("data".into())));
            // What WebKitGTK's drop handler makes of `file://localhost/…`: no longer absolute.
            assert_eq!(local_path("localhost/home/a.png", platform), Err(NotLocal::Relative));
            assert_eq!(local_path("a.png", platform), Err(NotLocal::Relative));
            assert_eq!(local_path("", platform), Err(NotLocal::Relative));
        }
        assert_eq!(local_path(r"C:\Users\a.png", Linux), Err(NotLocal::Relative), "not a Linux path");
        assert_eq!(local_path("/home/a.png", Windows), Err(NotLocal::Relative), "rooted but drive-relative");
        assert_eq!(local_path(r"C:a.png", Windows), Err(NotLocal::Relative), "drive-relative");
        assert_eq!(local_path(r"\\server", Windows), Err(NotLocal::Relative), "a server, no share");
        for device in [r"\\.\PhysicalDrive0", r"\\.\COM1", r"\\?\GLOBALROOT\Device\x", r"\??\C:\a.png"] {
            assert_eq!(local_path(device, Windows), Err(NotLocal::Device), "{device}");
        }
        for reserved in [r"C:\pics\CON.png", r"C:\nul\a.png", r"\\server\share\com1.jpg"] {
            assert!(
                matches!(local_path(reserved, Windows), Err(NotLocal::BadName(NameProblem::Reserved(_)))),
                "{reserved}"
            );
        }
        assert!(matches!(local_path(r"C:\pics\a?.png", Windows), Err(NotLocal::BadName(NameProblem::Forbidden('?')))));
        assert_eq!(local_path("/home/CON.png", Linux).as_deref(), Ok("/home/CON.png"), "an ordinary name there");
    }

    #[test]
    fn linux_pickers_list_each_extension_in_both_cases() {
        assert_eq!(picker_extensions(&["jpg", "tiff"], Linux), ["jpg", "tiff", "JPG", "TIFF"]);
        assert_eq!(picker_extensions(&["mp4", "MP4", "mov"], Linux), ["mp4", "MP4", "mov", "MOV"]);
        for platform in [Windows, MacOs] {
            assert_eq!(picker_extensions(&["jpg", "tiff"], platform), ["jpg", "tiff"]);
        }
    }

    #[test]
    fn the_current_platform_is_the_one_compiled_for() {
        assert_eq!(Platform::CURRENT == Windows, cfg!(windows));
        assert_eq!(Platform::CURRENT == MacOs, cfg!(target_os = "macos"));
    }
}
