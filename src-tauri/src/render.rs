//! How the window is drawn when there is no GPU.
//!
//! - **Linux (WebKitGTK).** By default WebKitGTK composites the page with OpenGL and rasterises it
//!   with Skia on the GPU. With no GPU, Mesa runs that OpenGL on the CPU (llvmpipe), and every new
//!   kind of drawing first compiles its shaders with LLVM: `make bench`'s trace of opening the
//!   gallery on such a machine spent its time in `SkiaGPUWorker` → `libLLVM`, and the first
//!   gallery open took 450–760 ms where the same page drawn without compositing took 130–165 ms
//!   (bench/gallery.md). So when the machine has no GPU render node (`/dev/dri/renderD*`, what
//!   Mesa's hardware drivers open), or the user asked Mesa for software GL
//!   (`LIBGL_ALWAYS_SOFTWARE`), the window is drawn without compositing
//!   (`WEBKIT_DISABLE_COMPOSITING_MODE=1`, read by WebKitGTK when it creates the web view). A
//!   user's own `WEBKIT_DISABLE_COMPOSITING_MODE` or `WEBKIT_FORCE_COMPOSITING_MODE` is left as it
//!   is. Machines with a GPU keep WebKit's default.
//! - **macOS (WKWebView) and Windows (WebView2).** Nothing: both composite through the system's
//!   own compositor and fall back to software rendering by themselves.
//!
//! The empty window `make bench` compares us with (tests/bench/empty-app) includes this file, so
//! both draw the same way on the machine that measures them.

/// Why the window is drawn as it is, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// The platform's default (a GPU, or not Linux).
    Default,
    /// The user set WebKit's own compositing variable: theirs is kept.
    UserChoice,
    /// No GPU: drawn without compositing.
    NoCompositing,
}

/// The choice for a Linux machine: `has_render_node` says whether `/dev/dri/renderD*` exists,
/// `var` reads the environment.
pub fn choose(has_render_node: bool, var: impl Fn(&str) -> Option<String>) -> Rendering {
    if var("WEBKIT_DISABLE_COMPOSITING_MODE").is_some() || var("WEBKIT_FORCE_COMPOSITING_MODE").is_some() {
        return Rendering::UserChoice;
    }
    let software_gl = var("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    if !has_render_node || software_gl {
        Rendering::NoCompositing
    } else {
        Rendering::Default
    }
}

/// Whether this machine has a GPU render node Mesa could draw on.
#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Applies the choice to this process's environment. Call first thing in `main`, while this is
/// the only thread and before the web view exists.
pub fn apply() -> Rendering {
    #[cfg(target_os = "linux")]
    {
        let r = choose(has_render_node(), |k| std::env::var(k).ok());
        if r == Rendering::NoCompositing {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
        r
    }
    #[cfg(not(target_os = "linux"))]
    {
        Rendering::Default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(name, _)| *name == k).map(|(_, v)| (*v).to_string())
    }

    #[test]
    fn no_gpu_means_no_compositing() {
        assert_eq!(choose(false, env(&[])), Rendering::NoCompositing);
        assert_eq!(choose(true, env(&[])), Rendering::Default);
    }

    #[test]
    fn software_gl_asked_for_means_no_compositing_even_with_a_gpu() {
        assert_eq!(choose(true, env(&[("LIBGL_ALWAYS_SOFTWARE", "1")])), Rendering::NoCompositing);
        assert_eq!(choose(true, env(&[("LIBGL_ALWAYS_SOFTWARE", "true")])), Rendering::NoCompositing);
        assert_eq!(choose(true, env(&[("LIBGL_ALWAYS_SOFTWARE", "0")])), Rendering::Default);
        assert_eq!(choose(true, env(&[("LIBGL_ALWAYS_SOFTWARE", "")])), Rendering::Default);
    }

    #[test]
    fn the_users_own_webkit_setting_wins() {
        assert_eq!(choose(false, env(&[("WEBKIT_FORCE_COMPOSITING_MODE", "1")])), Rendering::UserChoice);
        assert_eq!(choose(true, env(&[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")])), Rendering::UserChoice);
    }
}
