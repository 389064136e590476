//! Kyma's request rules, checked before anything is sent or stored, so a request that Kyma would
//! refuse costs nothing and leaves nothing behind.

use super::catalog::{Catalog, Model};
use super::error::InputError;
use super::types::{MAX_IDEMPOTENCY_KEY_CHARS, MAX_PROMPT_CHARS};

/// Checks model, prompt and duration; `None` duration takes the model's default.
pub fn check_request<'a>(
    catalog: &'a Catalog,
    model: &str,
    prompt: &str,
    duration: Option<u32>,
) -> Result<(&'a Model, u32), InputError> {
    let m = catalog
        .get(model.trim())
        .ok_or_else(|| InputError::UnknownModel { model: shown(model, 40), known: catalog.ids().join(", ") })?;
    check_prompt(prompt)?;
    let d = duration.unwrap_or_else(|| m.default_duration());
    if !m.durations.contains(&d) {
        return Err(InputError::Duration { model: m.id.clone(), duration: d, allowed: durations_text(&m.durations) });
    }
    Ok((m, d))
}

pub fn check_prompt(prompt: &str) -> Result<(), InputError> {
    // Only spaces, line breaks or invisible control characters: nothing to make a clip of.
    if prompt.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(InputError::EmptyPrompt);
    }
    let chars = prompt.chars().count();
    if chars > MAX_PROMPT_CHARS {
        return Err(InputError::PromptTooLong { chars, max: MAX_PROMPT_CHARS });
    }
    Ok(())
}

pub fn check_idempotency_key(key: &str) -> Result<(), InputError> {
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(InputError::IdempotencyKey { chars });
    }
    Ok(())
}

/// A start image given as a link must be https (Kyma's rule); `data:` URIs are built by us.
pub fn check_image_url(url: &str) -> Result<(), InputError> {
    let ok = url::Url::parse(url.trim())
        .ok()
        .filter(|u| u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()));
    match ok {
        Some(_) => Ok(()),
        None => Err(InputError::ImageUrl { shown: shown(url, 60) }),
    }
}

/// An end frame given as a link: the start image's rule, with the end frame's sentence.
pub fn check_end_image_url(url: &str) -> Result<(), InputError> {
    check_image_url(url).map_err(|_| InputError::EndImageUrl { shown: shown(url, 60) })
}

/// Keys start with `ky-` (older ones `kyma-`), are printable ASCII and of sane length.
pub fn check_key_format(key: &str) -> Result<(), InputError> {
    let k = key.trim();
    let prefix = k.starts_with("ky-") || k.starts_with("kyma-");
    let sane = (8..=512).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic());
    if prefix && sane {
        Ok(())
    } else {
        Err(InputError::KeyFormat)
    }
}

/// "1–10 s", or "5 or 10 s" for a short list.
pub fn durations_text(d: &[u32]) -> String {
    let contiguous = d.windows(2).all(|w| w[1] == w[0] + 1);
    match d {
        [] => "no duration".into(),
        [one] => format!("{one} s"),
        [first, .., last] if contiguous && d.len() > 2 => format!("{first}–{last} s"),
        _ => {
            let (last, rest) = d.split_last().map(|(l, r)| (*l, r)).unwrap_or((0, &[]));
            let rest: Vec<String> = rest.iter().map(u32::to_string).collect();
            format!("{} or {last} s", rest.join(", "))
        }
    }
}

/// User text echoed in a message, shortened so a giant paste does not become a giant error.
pub fn shown(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_good_request() {
        let c = Catalog::default();
        let (m, d) = check_request(&c, "kling-3-pro", "a cat", None).unwrap();
        assert_eq!((m.id.as_str(), d), ("kling-3-pro", 5));
        assert_eq!(check_request(&c, "kling-3-pro", &"é".repeat(4000), Some(10)).unwrap().1, 10);
    }

    #[test]
    fn refuses_what_kyma_would() {
        let c = Catalog::default();
        assert_eq!(check_request(&c, "kling-3-pro", "  \n", None).unwrap_err(), InputError::EmptyPrompt);
        assert_eq!(check_request(&c, "kling-3-pro", "\u{1}\u{2}\t\u{7f}", None).unwrap_err(), InputError::EmptyPrompt);
        assert!(check_request(&c, "kling-3-pro", "\u{1}a lighthouse", None).is_ok(), "words around control characters");
        let long = check_request(&c, "kling-3-pro", &"a".repeat(4001), None).unwrap_err();
        assert_eq!(long.to_string(), "The prompt is 4001 characters long; Kyma accepts at most 4000. Shorten it by 1.");
        let d0 = check_request(&c, "kling-3-pro", "x", Some(0)).unwrap_err();
        assert_eq!(d0.to_string(), "kling-3-pro does not make 0-second clips; choose 1–10 s.");
        assert!(check_request(&c, "kling-3-pro", "x", Some(11)).is_err());
        let um = check_request(&c, "sora-9", "x", None).unwrap_err();
        assert!(um.to_string().starts_with("There is no model called \"sora-9\"; choose one of kling-2.5-pro"));
    }

    #[test]
    fn image_links_must_be_https() {
        assert!(check_image_url("https://example.com/a.jpg").is_ok());
        for bad in ["http://example.com/a.jpg", "file:///etc/passwd", "ftp://x/y", "https://", "not a url", ""] {
            assert!(check_image_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn end_frame_links_follow_the_same_rule_with_their_own_sentence() {
        assert!(check_end_image_url("https://example.com/b.jpg").is_ok());
        let e = check_end_image_url("http://example.com/b.jpg").unwrap_err();
        assert_eq!(e, InputError::EndImageUrl { shown: "http://example.com/b.jpg".into() });
        let long = check_end_image_url(&format!("http://{}", "x".repeat(100))).unwrap_err().to_string();
        assert!(long.contains(&format!("\"http://{}…\"", "x".repeat(53))), "{long}");
    }

    #[test]
    fn key_format() {
        assert!(check_key_format("ky-abcdef123456").is_ok());
        assert!(check_key_format("kyma-abcdef123456").is_ok());
        assert!(check_key_format("sk-abcdef123456").is_err());
        assert!(check_key_format("ky-abc def").is_err());
        assert!(check_key_format("ky-").is_err());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(durations_text(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "1–10 s");
        assert_eq!(durations_text(&[5, 10]), "5 or 10 s");
        assert_eq!(durations_text(&[4, 6, 8]), "4, 6 or 8 s");
    }
}
