//! A batch's prompts list read into rows (issue 14): a `.txt` with one prompt per line, a `.csv`
//! with a `prompt` column and optional `model`, `duration` and `aspect` columns, or pasted text.
//! Pure: the text is given, nothing is read or written. Each refusal names its line.
//!
//! Text: one prompt per non-empty line; lines starting with `#` are comments. CSV (RFC 4180):
//! fields separated by commas, a field in double quotes may hold commas, line breaks and doubled
//! quotes (`""` is one `"`); a header row is required when there is more than one column. Both
//! tolerate a byte-order mark and CRLF line ends.

use super::engine::{check_draft, Draft, ImageInput};
use super::error::Error;
use super::groups::MAX_GROUP;
use crate::api::{Catalog, ShotOptions};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How to read a prompts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PromptsFormat {
    /// One prompt per non-empty line (a `.txt` file).
    Lines,
    /// Comma-separated values with a `prompt` column (a `.csv` file).
    Csv,
    /// Pasted text: lines, unless its first line is a CSV header naming a `prompt` column.
    Auto,
}

impl PromptsFormat {
    /// The format a file's extension says (`.txt` lines, `.csv` CSV; case ignored), if either.
    pub fn from_file_name(name: &str) -> Option<PromptsFormat> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "txt" | "text" => Some(PromptsFormat::Lines),
            "csv" => Some(PromptsFormat::Csv),
            _ => None,
        }
    }
}

/// One clip to make: a prompt and what its row sets of the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PromptRow {
    /// The line of the file the row starts on (from 1, the header counted).
    pub line: u32,
    pub prompt: String,
    pub model: Option<String>,
    pub duration: Option<u32>,
    pub aspect: Option<String>,
}

/// A prompts list that cannot be used, with the line at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RowsError {
    pub line: Option<u32>,
    /// The whole sentence to show, the line included ("Line 7: …").
    pub message: String,
}

impl RowsError {
    fn at(line: u32, what: impl fmt::Display) -> RowsError {
        RowsError { line: Some(line), message: format!("Line {line}: {what}") }
    }

    fn whole(message: impl Into<String>) -> RowsError {
        RowsError { line: None, message: message.into() }
    }
}

impl fmt::Display for RowsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RowsError {}

impl From<RowsError> for Error {
    fn from(e: RowsError) -> Error {
        Error::Group(e.message)
    }
}

/// The columns a CSV may have.
const COLUMNS: [&str; 4] = ["prompt", "model", "duration", "aspect"];
const COLUMNS_TEXT: &str = "prompt (required), model, duration and aspect";

/// Reads a prompts list into rows (at most [`MAX_GROUP`]).
pub fn parse(text: &str, format: PromptsFormat) -> Result<Vec<PromptRow>, RowsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rows = match format {
        PromptsFormat::Lines => lines(text)?,
        PromptsFormat::Csv => csv(text)?,
        PromptsFormat::Auto if looks_like_csv(text) => csv(text)?,
        PromptsFormat::Auto => lines(text)?,
    };
    if rows.len() > MAX_GROUP {
        return Err(RowsError::whole(format!(
            "This list has {} prompts; a batch makes at most {MAX_GROUP} clips at once. Split it into smaller lists.",
            rows.len()
        )));
    }
    Ok(rows)
}

/// Pasted text whose first non-blank line is a CSV header naming a `prompt` column and only
/// known columns ("prompt,model"): anything else is read as one prompt per line.
fn looks_like_csv(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else { return false };
    let names: Vec<String> = first.split(',').map(|c| c.trim().trim_matches('"').trim().to_lowercase()).collect();
    names.len() > 1 && names.iter().any(|n| n == "prompt") && names.iter().all(|n| COLUMNS.contains(&n.as_str()))
}

fn lines(text: &str) -> Result<Vec<PromptRow>, RowsError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let prompt = raw.trim();
        if prompt.is_empty() || prompt.starts_with('#') {
            continue;
        }
        rows.push(PromptRow { line, prompt: checked_prompt(line, prompt)?, model: None, duration: None, aspect: None });
    }
    if rows.is_empty() {
        return Err(RowsError::whole(
            "There are no prompts here: write one prompt per line (lines starting with # are skipped).",
        ));
    }
    Ok(rows)
}

fn checked_prompt(line: u32, prompt: &str) -> Result<String, RowsError> {
    if prompt.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(RowsError::at(line, "the prompt is empty."));
    }
    crate::api::validate::check_prompt(prompt).map_err(|e| RowsError::at(line, e))?;
    Ok(prompt.to_string())
}

const AFTER_QUOTE: &str = "a quoted field must end with its closing quote followed by a comma or the end of the line; write a quote inside quotes as \"\".";

/// One CSV record: the line it starts on and its fields.
struct Record {
    line: u32,
    fields: Vec<String>,
}

/// Splits CSV text into records (RFC 4180, with LF or CRLF line ends).
fn records(text: &str) -> Result<Vec<Record>, RowsError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line: u32 = 1;
    loop {
        if chars.peek().is_none() {
            break;
        }
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_field = false;
        let mut at_field_start = true;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if at_field_start => {
                    at_field_start = false;
                    quoted_field = true;
                    let opened = line;
                    loop {
                        match chars.next() {
                            None => {
                                return Err(RowsError::at(
                                    opened,
                                    "a quoted field is never closed: add the closing double quote (\").",
                                ))
                            }
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some('\r') if chars.peek() == Some(&'\n') => {}
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                    // After the closing quote: a comma, the end of the line or of the text.
                    match chars.peek() {
                        None | Some(',') | Some('\n') => {}
                        Some('\r') => {}
                        Some(_) => return Err(RowsError::at(line, AFTER_QUOTE)),
                    }
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                    quoted_field = false;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some(c) => {
                    if quoted_field {
                        // A lone carriage return after a closing quote: an old Mac line end.
                        if c == '\r' {
                            continue;
                        }
                        return Err(RowsError::at(line, AFTER_QUOTE));
                    }
                    at_field_start = false;
                    field.push(c);
                }
            }
        }
        out.push(Record { line: start, fields });
    }
    Ok(out)
}

fn blank(r: &Record) -> bool {
    r.fields.iter().all(|f| f.trim().is_empty())
}

fn csv(text: &str) -> Result<Vec<PromptRow>, RowsError> {
    let all = records(text)?;
    let mut recs = all.into_iter().filter(|r| !blank(r));
    let Some(first) = recs.next() else {
        return Err(RowsError::whole("The CSV file is empty: give it a header row (prompt, …) and one row per clip."));
    };
    let names: Vec<String> = first.fields.iter().map(|f| f.trim().to_lowercase()).collect();
    let known = |n: &String| COLUMNS.contains(&n.as_str());
    // One column without a header: every record is a prompt.
    let (columns, data): (Vec<String>, Vec<Record>) = if names.len() == 1 && names[0] != "prompt" {
        (vec!["prompt".into()], std::iter::once(first).chain(recs).collect())
    } else {
        if names.len() > 1 && !names.iter().any(known) {
            return Err(RowsError::at(
                first.line,
                format!("a CSV with more than one column needs a header row naming them: {COLUMNS_TEXT}."),
            ));
        }
        if let Some(bad) = names.iter().find(|n| !known(n)) {
            return Err(RowsError::at(
                first.line,
                format!("unknown column \"{}\"; the columns are {COLUMNS_TEXT}.", crate::api::validate::shown(bad, 30)),
            ));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(RowsError::at(first.line, format!("the column \"{n}\" is named twice.")));
            }
        }
        if !names.iter().any(|n| n == "prompt") {
            return Err(RowsError::at(
                first.line,
                format!("the header has no prompt column; the columns are {COLUMNS_TEXT}."),
            ));
        }
        (names, recs.collect())
    };
    let col = |name: &str| columns.iter().position(|c| c == name);
    let (p, m, d, a) = (col("prompt"), col("model"), col("duration"), col("aspect"));
    let mut rows = Vec::new();
    for r in data {
        if r.fields.len() > columns.len() {
            return Err(RowsError::at(
                r.line,
                format!(
                    "{} fields, but the header names {} column{}; put a prompt holding commas in double quotes.",
                    r.fields.len(),
                    columns.len(),
                    if columns.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        let get =
            |i: Option<usize>| i.and_then(|i| r.fields.get(i)).map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
        let prompt = checked_prompt(r.line, &get(p).unwrap_or_default())?;
        let duration = match get(d) {
            None => None,
            Some(text) => Some(
                text.parse::<u32>().ok().filter(|_| text.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
                    RowsError::at(
                        r.line,
                        format!(
                            "duration \"{}\" is not a whole number of seconds.",
                            crate::api::validate::shown(&text, 20)
                        ),
                    )
                })?,
            ),
        };
        rows.push(PromptRow { line: r.line, prompt, model: get(m), duration, aspect: get(a) });
    }
    if rows.is_empty() {
        return Err(RowsError::whole("The CSV file has a header but no prompts: add one row per clip below it."));
    }
    Ok(rows)
}

/// What a batch sets for every row that does not set it itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowDefaults {
    pub model: Option<String>,
    pub duration: Option<u32>,
    pub aspect: Option<String>,
    /// The start image every clip of the batch starts from.
    pub image: Option<ImageInput>,
}

/// The rows as drafts for [`super::Engine::submit_group`], each checked against the catalog
/// (model, prompt, duration, aspect) and refused with its line.
pub fn drafts(catalog: &Catalog, rows: &[PromptRow], defaults: &RowDefaults) -> Result<Vec<Draft>, RowsError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let model = row.model.clone().or_else(|| defaults.model.clone()).ok_or_else(|| {
            RowsError::at(row.line, "no model is set for this prompt: add a model column, or choose the batch's model.")
        })?;
        let draft = Draft {
            model,
            prompt: row.prompt.clone(),
            duration: row.duration.or(defaults.duration),
            image: defaults.image.clone(),
            end_image: None,
            options: ShotOptions {
                aspect: row.aspect.clone().or_else(|| defaults.aspect.clone()),
                ..ShotOptions::default()
            },
        };
        check_draft(catalog, &draft, 1).map_err(|e| RowsError::at(row.line, e))?;
        out.push(draft);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u32, prompt: &str) -> PromptRow {
        PromptRow { line, prompt: prompt.into(), model: None, duration: None, aspect: None }
    }

    fn err(text: &str, format: PromptsFormat) -> String {
        parse(text, format).unwrap_err().message
    }

    #[test]
    fn text_is_one_prompt_per_line_without_comments_or_blanks() {
        let text =
            "\u{feff}# product shots\r\na red kite\r\n\r\n   \n  夕焼けの海 🎬  \n#not this\nlast line without newline";
        assert_eq!(
            parse(text, PromptsFormat::Lines).unwrap(),
            vec![row(2, "a red kite"), row(5, "夕焼けの海 🎬"), row(7, "last line without newline")]
        );
        // Commas mean nothing in a text file.
        assert_eq!(parse("a, b, c", PromptsFormat::Lines).unwrap(), vec![row(1, "a, b, c")]);
    }

    #[test]
    fn csv_quotes_commas_doubled_quotes_and_line_breaks() {
        let text = "\u{feff}prompt,model,duration,aspect\r\n\
                    \"a fox, in snow\",kling-3-pro,5,16:9\r\n\
                    \"she said \"\"hi\"\"\",,,\r\n\
                    \"two\r\nlines\",seedance-2-fast,3,9:16\r\n\
                    \r\n\
                    富士山と桜🌸,, 4 ,\r\n";
        let rows = parse(text, PromptsFormat::Csv).unwrap();
        assert_eq!(
            rows,
            vec![
                PromptRow {
                    line: 2,
                    prompt: "a fox, in snow".into(),
                    model: Some("kling-3-pro".into()),
                    duration: Some(5),
                    aspect: Some("16:9".into())
                },
                row(3, "she said \"hi\""),
                PromptRow {
                    line: 4,
                    prompt: "two\nlines".into(),
                    model: Some("seedance-2-fast".into()),
                    duration: Some(3),
                    aspect: Some("9:16".into())
                },
                PromptRow { duration: Some(4), ..row(7, "富士山と桜🌸") },
            ]
        );
        // Columns in any order and case; missing trailing fields are empty.
        let rows = parse("Duration,PROMPT\n2,x\n,y", PromptsFormat::Csv).unwrap();
        assert_eq!(rows, vec![PromptRow { duration: Some(2), ..row(2, "x") }, row(3, "y")]);
        let rows = parse("model,prompt\nkling-3-pro", PromptsFormat::Csv);
        assert_eq!(rows.unwrap_err().message, "Line 2: the prompt is empty.");
    }

    #[test]
    fn a_one_column_csv_needs_no_header() {
        assert_eq!(parse("a\n\"b, c\"\n", PromptsFormat::Csv).unwrap(), vec![row(1, "a"), row(2, "b, c")]);
        assert_eq!(parse("prompt\na\n", PromptsFormat::Csv).unwrap(), vec![row(2, "a")]);
    }

    #[test]
    fn refusals_name_the_line() {
        let csv = PromptsFormat::Csv;
        assert_eq!(
            err("prompt,duration\na,5\nb,5\nc,\nd,5\ne,5\nf,ten\n", csv),
            "Line 7: duration \"ten\" is not a whole number of seconds."
        );
        for bad in ["-1", "2.5", "+3", "99999999999", "5s"] {
            let e = err(&format!("prompt,duration\nx,{bad}"), csv);
            assert_eq!(e, format!("Line 2: duration \"{bad}\" is not a whole number of seconds."));
        }
        assert_eq!(
            err("prompt,model\na fox, in snow,kling-3-pro\n", csv),
            "Line 2: 3 fields, but the header names 2 columns; put a prompt holding commas in double quotes."
        );
        assert_eq!(
            err("prompt,style\nx,y", csv),
            "Line 1: unknown column \"style\"; the columns are prompt (required), model, duration and aspect."
        );
        assert!(
            err("a fox,kling-3-pro\n", csv).starts_with("Line 1: a CSV with more than one column needs a header row")
        );
        assert!(err("model,duration\nkling-3-pro,5", csv).starts_with("Line 1: the header has no prompt column"));
        assert_eq!(err("prompt,prompt\nx,y", csv), "Line 1: the column \"prompt\" is named twice.");
        assert_eq!(
            err("prompt\nok\n\"never\nclosed,\n", csv),
            "Line 3: a quoted field is never closed: add the closing double quote (\")."
        );
        assert!(err("prompt\n\"a\"b\n", csv).starts_with("Line 2: a quoted field must end with its closing quote"));
        assert_eq!(err("prompt,model\n,kling-3-pro", csv), "Line 2: the prompt is empty.");
        let long = format!("ok\n{}\n", "é".repeat(4001));
        assert_eq!(
            err(&long, PromptsFormat::Lines),
            "Line 2: The prompt is 4001 characters long; Kyma accepts at most 4000. Shorten it by 1."
        );
    }

    #[test]
    fn empty_lists_and_lists_too_long_are_refused_whole() {
        for (text, format) in [
            ("", PromptsFormat::Lines),
            ("\n  \n# only a comment\n", PromptsFormat::Lines),
            ("\u{feff}", PromptsFormat::Auto),
        ] {
            let e = parse(text, format).unwrap_err();
            assert_eq!(e.line, None);
            assert!(e.message.starts_with("There are no prompts here"), "{e}");
        }
        assert!(err("", PromptsFormat::Csv).starts_with("The CSV file is empty"));
        assert!(err("prompt,model\r\n\r\n", PromptsFormat::Csv).starts_with("The CSV file has a header but no prompts"));
        let many: String = (0..=MAX_GROUP).map(|i| format!("prompt {i}\n")).collect();
        assert_eq!(
            err(&many, PromptsFormat::Lines),
            "This list has 501 prompts; a batch makes at most 500 clips at once. Split it into smaller lists."
        );
        let exactly: String = (0..MAX_GROUP).map(|i| format!("prompt {i}\n")).collect();
        assert_eq!(parse(&exactly, PromptsFormat::Lines).unwrap().len(), MAX_GROUP);
    }

    #[test]
    fn pasted_text_is_lines_unless_it_starts_with_a_header() {
        assert_eq!(
            parse("a fox, in snow\nprompt,model\n", PromptsFormat::Auto).unwrap(),
            vec![row(1, "a fox, in snow"), row(2, "prompt,model")]
        );
        let rows = parse("\nPrompt, Model\n\"a, b\",kling-3-pro\n", PromptsFormat::Auto).unwrap();
        assert_eq!(rows, vec![PromptRow { model: Some("kling-3-pro".into()), ..row(3, "a, b") }]);
        assert_eq!(PromptsFormat::from_file_name("Shots.CSV"), Some(PromptsFormat::Csv));
        assert_eq!(PromptsFormat::from_file_name("list.txt"), Some(PromptsFormat::Lines));
        assert_eq!(PromptsFormat::from_file_name("list.xlsx"), None);
        assert_eq!(PromptsFormat::from_file_name("noext"), None);
    }

    #[test]
    fn rows_become_checked_drafts_with_the_batchs_defaults() {
        let catalog = Catalog::default();
        let rows = parse("prompt,model,duration,aspect\na,,,\nb,seedance-2-fast,3,9:16\n", PromptsFormat::Csv).unwrap();
        let defaults = RowDefaults {
            model: Some("kling-3-pro".into()),
            duration: Some(2),
            aspect: Some("1:1".into()),
            image: None,
        };
        let d = drafts(&catalog, &rows, &defaults).unwrap();
        assert_eq!(
            (d[0].model.as_str(), d[0].duration, d[0].options.aspect.as_deref()),
            ("kling-3-pro", Some(2), Some("1:1"))
        );
        assert_eq!(
            (d[1].model.as_str(), d[1].duration, d[1].options.aspect.as_deref()),
            ("seedance-2-fast", Some(3), Some("9:16"))
        );

        let no_model = drafts(&catalog, &rows, &RowDefaults::default()).unwrap_err();
        assert_eq!(no_model.line, Some(2));
        assert!(no_model.message.starts_with("Line 2: no model is set for this prompt"), "{no_model}");
        let bad = parse("prompt,model,aspect\nok,kling-3-pro,\nx,kling-3-pro,4:3", PromptsFormat::Csv).unwrap();
        assert_eq!(
            drafts(&catalog, &bad, &defaults).unwrap_err().message,
            "Line 3: kling-3-pro makes 16:9, 9:16 or 1:1 clips; \"4:3\" is not one of them."
        );
        let unknown = parse("prompt,model\nx,sora-2", PromptsFormat::Csv).unwrap();
        assert!(drafts(&catalog, &unknown, &defaults)
            .unwrap_err()
            .message
            .starts_with("Line 2: There is no model called \"sora-2\""));
        // A start image for every row: Kling then follows the image, so an aspect is refused.
        let with_image = RowDefaults { image: Some(ImageInput::Url("https://example.com/a.jpg".into())), ..defaults };
        assert!(drafts(&catalog, &rows[..1], &with_image).unwrap_err().message.contains("follows the start image"));
        let e: Error = RowsError::at(4, "x.").into();
        assert_eq!((e.kind(), e.to_string()), (crate::error_kind::ErrorKind::InvalidInput, "Line 4: x.".to_string()));
    }
}
