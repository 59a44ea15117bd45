//! In-place edits of `~/.aws/config` and `~/.aws/credentials`.
//!
//! aws-config parses these files but cannot write them, and rewriting a
//! parsed file would lose the user's comments, order and spacing. So the two
//! edits awsmfa makes (`setup` sets `mfa_serial`, `rotate` swaps an access
//! key) are done on the text: each changes only the bytes of the value it
//! replaces or the line it adds, and everything else stays byte for byte.
//!
//! Lines are classified exactly as the SDK's parser does
//! (aws-runtime `env_config/parse.rs`): a header starts with `[` in column 0,
//! a comment with `#` or `;` in column 0, a line starting with a space or
//! tab continues the property above, keys are case-insensitive, and an
//! inline comment needs whitespace before its `#`/`;`.
//!
//! Whoever asks, nothing is written that would change the file's
//! structure or read back as another value (a line break, a comment
//! character where a comment starts, a bracket in a section name): the
//! refusal is a typed [`Unwritable`] naming the key, never the value. Values
//! from AWS are checked for their own grammar before they get here
//! (`crate::grammar`); this is the last line of defence.
//!
//! This module owns only the text: writing the result back to disk
//! (atomically, keeping the file's mode and symlink) is
//! [`crate::fs::write_private`]'s.

/// Which file: they name sections differently (`[profile x]` vs `[x]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

/// What [`set`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The key already had this value: nothing to write.
    Same,
    /// The key had another value, which was replaced.
    Replaced { text: String, previous: String },
    /// The key was added (and its section created if there was none).
    Added { text: String },
}

impl Change {
    /// The new file contents, when anything changed.
    pub fn text(&self) -> Option<&str> {
        match self {
            Change::Same => None,
            Change::Replaced { text, .. } | Change::Added { text } => Some(text),
        }
    }
}

const WS: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

#[derive(Debug)]
enum Class {
    Blank,
    Comment,
    /// A section header, with the profile it defines (None: not a profile,
    /// e.g. `[sso-session x]`, or not valid in this kind of file) and
    /// whether it was written `[profile default]` (config files only).
    Header {
        profile: Option<String>,
        prefixed: bool,
    },
    /// `key = value`; key lower-cased; value as a byte range of the line.
    Property {
        key: String,
        value: (usize, usize),
    },
    Continuation,
    /// Something the SDK would reject; left alone.
    Other,
}

#[derive(Debug)]
struct Line {
    /// Byte offset of the line in the text.
    start: usize,
    /// Length without the line ending.
    len: usize,
    /// Length of the line ending: 0 (last line), 1 (`\n`) or 2 (`\r\n`).
    eol: usize,
    class: Class,
}

impl Line {
    fn content<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.start + self.len]
    }
    fn next(&self) -> usize {
        self.start + self.len + self.eol
    }
}

fn split(text: &str, kind: FileKind) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let rest = &text[start..];
        let (len, eol) = match rest.find('\n') {
            Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'\r' => (i - 1, 2),
            Some(i) => (i, 1),
            None => (rest.len(), 0),
        };
        let content = &rest[..len];
        lines.push(Line {
            start,
            len,
            eol,
            class: classify(content, kind),
        });
        start += len + eol;
    }
    lines
}

fn classify(line: &str, kind: FileKind) -> Class {
    if line.trim_matches(WS).is_empty() {
        return Class::Blank;
    }
    if line.starts_with(COMMENT) {
        return Class::Comment;
    }
    if line.starts_with('[') {
        return header(line, kind);
    }
    if line.starts_with(WS) {
        return Class::Continuation;
    }
    let Some(eq) = line.find('=') else {
        return Class::Other;
    };
    let key = line[..eq].trim_matches(WS);
    if key.is_empty() {
        return Class::Other;
    }
    // The value: after `=` and its blanks, up to an inline comment (a `#`
    // or `;` after whitespace), without trailing blanks.
    let after = eq + 1;
    let vstart = after + (line[after..].len() - line[after..].trim_start_matches(WS).len());
    let mut vend = line.len();
    let mut prev_ws = line[..vstart].ends_with(WS);
    for (i, c) in line[vstart..].char_indices() {
        if COMMENT.contains(&c) && prev_ws {
            vend = vstart + i;
            break;
        }
        prev_ws = WS.contains(&c);
    }
    let vend = vstart + line[vstart..vend].trim_end_matches(WS).len();
    Class::Property {
        key: key.to_ascii_lowercase(),
        value: (vstart, vend),
    }
}

fn header(line: &str, kind: FileKind) -> Class {
    let none = Class::Header {
        profile: None,
        prefixed: false,
    };
    // The SDK cuts a header at its first comment character, with or
    // without whitespace before it.
    let cut = line.find(COMMENT).map_or(line, |i| &line[..i]);
    let Some(inner) = cut
        .trim_matches(WS)
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
    else {
        return none;
    };
    let inner = inner.trim_matches(WS);
    let (prefix, name) = match inner.split_once(WS) {
        Some((p, n)) => (Some(p), n.trim_matches(WS)),
        None => (None, inner),
    };
    let profile = match (kind, prefix) {
        (FileKind::Config, Some("profile")) => Some(name),
        (FileKind::Config, None) if name == "default" => Some(name),
        (FileKind::Credentials, None) => Some(name),
        _ => None,
    };
    Class::Header {
        profile: profile.map(str::to_string),
        prefixed: prefix.is_some(),
    }
}

/// A section: its header line and the lines up to the next header.
struct Section {
    profile: Option<String>,
    prefixed: bool,
    header: usize,
    end: usize,
}

fn sections(lines: &[Line]) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Class::Header { profile, prefixed } = &line.class {
            if let Some(last) = out.last_mut() {
                last.end = i;
            }
            out.push(Section {
                profile: profile.clone(),
                prefixed: *prefixed,
                header: i,
                end: lines.len(),
            });
        }
    }
    out
}

/// The sections that make up `profile`, in file order. In a config file
/// `[profile default]` takes priority over `[default]`, as in the SDK.
fn profile_sections<'s>(all: &'s [Section], kind: FileKind, profile: &str) -> Vec<&'s Section> {
    let mut found: Vec<&Section> = all
        .iter()
        .filter(|s| s.profile.as_deref() == Some(profile))
        .collect();
    if kind == FileKind::Config && profile == "default" && found.iter().any(|s| s.prefixed) {
        found.retain(|s| s.prefixed);
    }
    found
}

fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The continuation lines of the property on line `i`: the SDK appends
/// each (trimmed, after a newline) to its value, skipping blank and comment
/// lines in between, until the next property or header.
fn continuations(lines: &[Line], i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for (j, l) in lines.iter().enumerate().skip(i + 1) {
        match l.class {
            Class::Continuation => out.push(j),
            Class::Blank | Class::Comment => {}
            _ => break,
        }
    }
    out
}

/// The property on line `i`, as the SDK reads it: its value, and the byte
/// ranges that hold it (the value on its own line, then each continuation
/// line), so that replacing the first range and deleting the others
/// replaces exactly the value.
fn value_of(text: &str, lines: &[Line], i: usize) -> (String, Vec<(usize, usize)>) {
    let line = &lines[i];
    let Class::Property { value: (a, b), .. } = line.class else {
        unreachable!("value_of a property line")
    };
    let mut value = line.content(text)[a..b].to_string();
    let mut ranges = vec![(line.start + a, line.start + b)];
    for j in continuations(lines, i) {
        let c = &lines[j];
        value.push('\n');
        value.push_str(c.content(text).trim_matches(WS));
        // The line with its own line ending; the last line of a file
        // without one goes with the ending before it instead.
        if c.eol > 0 {
            ranges.push((c.start, c.next()));
        } else {
            let prev = &lines[j - 1];
            ranges.push((prev.start + prev.len, c.start + c.len));
        }
    }
    (value, ranges)
}

/// The line (index) where the SDK reads `key` of `profile`: the last
/// definition in any of its sections wins.
fn defining_line(lines: &[Line], mine: &[&Section], key: &str) -> Option<usize> {
    mine.iter()
        .flat_map(|s| s.header + 1..s.end)
        .rfind(|&i| matches!(&lines[i].class, Class::Property { key: k, .. } if k == key))
}

/// `text` with each range replaced by its string (ranges sorted, disjoint).
fn splice(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (a, b, new) in edits {
        out.push_str(&text[at..a]);
        out.push_str(&new);
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

/// The edits that make the property on line `i` hold `new`.
fn replace_value(text: &str, lines: &[Line], i: usize, new: &str) -> Vec<(usize, usize, String)> {
    let (_, ranges) = value_of(text, lines, i);
    let mut edits = vec![(ranges[0].0, ranges[0].1, new.to_string())];
    edits.extend(ranges[1..].iter().map(|&(a, b)| (a, b, String::new())));
    edits
}

/// The value `key` has in `profile`, as the SDK would read it (the last
/// definition wins).
pub fn get(text: &str, kind: FileKind, profile: &str, key: &str) -> Option<String> {
    let lines = split(text, kind);
    let all = sections(&lines);
    let mine = profile_sections(&all, kind, profile);
    let i = defining_line(&lines, &mine, &key.to_ascii_lowercase())?;
    Some(value_of(text, &lines, i).0)
}

/// Why a value, key or profile name cannot be written: it would change the
/// file's structure (add a line, a section, a comment) or be read back as
/// something else, by the SDKs (aws-runtime's parser) or by the AWS CLI
/// (botocore's configparser). Whoever asks to write it, nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to write {what} of profile `{profile}` to an AWS file: {why}, which would change the file's structure or be read back differently; nothing was written"
)]
pub struct Unwritable {
    /// The profile (cleaned where it is shown, by `crate::term`).
    pub profile: String,
    /// `the value of mfa_serial`, `the key …`, `the profile name`: never
    /// the value itself, which may be a secret.
    pub what: String,
    pub why: &'static str,
}

/// A refusal ends the command (exit 1), its message naming what and why.
impl From<Unwritable> for crate::error::Error {
    fn from(e: Unwritable) -> Self {
        crate::error::Error::Other(e.to_string())
    }
}

/// Characters that end a line for some reader of these files (Python reads
/// them with universal newlines, and `str.splitlines` knows more), or act
/// on a terminal that shows the file.
fn breaks_lines(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Why `value` cannot stand after `key =` on a line of its own.
fn unsafe_value(value: &str) -> Option<&'static str> {
    if value.chars().any(breaks_lines) {
        return Some("it holds a line break or another control character");
    }
    // Both parsers trim a value (Python all Unicode whitespace).
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Some("it starts or ends with whitespace");
    }
    // The SDK cuts a value at `#` or `;` after whitespace (any Unicode
    // whitespace), or at the start of the value, which follows `= `.
    let mut after_space = true;
    for c in value.chars() {
        if COMMENT.contains(&c) && after_space {
            return Some(
                "it holds # or ; at its start or after whitespace, where a comment starts",
            );
        }
        after_space = c.is_whitespace();
    }
    None
}

/// Why `key` cannot be written as a property name: configparser splits a
/// line at its first `=` or `:`, and `[`, `#`, `;` or whitespace at the
/// start make another kind of line.
fn unsafe_key(key: &str) -> Option<&'static str> {
    let fine = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
    (key.is_empty() || !key.bytes().all(fine)).then_some("a key is letters, digits and _.- only")
}

/// Why `profile` cannot name a section: a header ends at `]` and at the
/// first `#` or `;`, and its name is trimmed.
fn unsafe_profile(profile: &str) -> Option<&'static str> {
    if profile.is_empty() || profile.chars().any(breaks_lines) {
        return Some("it is empty or holds a control character");
    }
    if profile.contains(['[', ']', '#', ';']) {
        return Some("it holds [, ], # or ;, which end a section header");
    }
    (profile.starts_with(char::is_whitespace) || profile.ends_with(char::is_whitespace))
        .then_some("it starts or ends with whitespace")
}

/// The last line of defence: every key, value and profile name this module
/// writes goes through here, whoever asks (`setup`, `rotate`, `keys`).
fn writable(profile: &str, key: &str, value: &str) -> Result<(), Unwritable> {
    match unsafe_profile(profile) {
        Some(why) => Err(refusal(
            profile,
            "a section for the profile name".into(),
            why,
        )),
        None => value_ok(profile, key, value),
    }
}

/// [`writable`] for a key and value written into an existing section.
fn value_ok(profile: &str, key: &str, value: &str) -> Result<(), Unwritable> {
    if let Some(why) = unsafe_key(key) {
        return Err(refusal(profile, format!("the key {key:?}"), why));
    }
    match unsafe_value(value) {
        Some(why) => Err(refusal(profile, format!("the value of {key}"), why)),
        None => Ok(()),
    }
}

fn refusal(profile: &str, what: String, why: &'static str) -> Unwritable {
    Unwritable {
        profile: profile.to_string(),
        what,
        why,
    }
}

/// Set `key = value` in `profile`: replace the value where the SDK reads it
/// from, else add a line after the profile's last property, else add the
/// section at the end of the file. Only those bytes change. A key, value
/// or profile name that would change the file's structure is refused.
pub fn set(
    text: &str,
    kind: FileKind,
    profile: &str,
    key: &str,
    value: &str,
) -> Result<Change, Unwritable> {
    writable(profile, key, value)?;
    Ok(set_checked(text, kind, profile, key, value))
}

fn set_checked(text: &str, kind: FileKind, profile: &str, key: &str, value: &str) -> Change {
    let lines = split(text, kind);
    let all = sections(&lines);
    let mine = profile_sections(&all, kind, profile);
    if let Some(i) = defining_line(&lines, &mine, &key.to_ascii_lowercase()) {
        return replace_defined(text, &lines, i, value);
    }
    let new_line = |sep: &str| format!("{key}{sep}{value}");
    match mine.last() {
        Some(section) => add_to_section(text, &lines, section, &new_line),
        None => add_section(text, &lines, kind, profile, &new_line(" = ")),
    }
}

/// The value on line `i` (the defining line) becomes `value`.
fn replace_defined(text: &str, lines: &[Line], i: usize, value: &str) -> Change {
    let (previous, _) = value_of(text, lines, i);
    if previous == value {
        return Change::Same;
    }
    let line = &lines[i];
    let Class::Property { value: (a, b), .. } = line.class else {
        unreachable!("a defining line is a property")
    };
    let content = line.content(text);
    // An empty value directly followed by an inline comment keeps the
    // whitespace the comment needs.
    let replacement = if a == b && content[b..].starts_with(COMMENT) {
        format!("{value} ")
    } else if a == b && !content[..a].ends_with(WS) {
        format!(" {value}")
    } else {
        value.to_string()
    };
    Change::Replaced {
        text: splice(text, replace_value(text, lines, i, &replacement)),
        previous,
    }
}

/// A new line (made by `new_line` from the separator around `=`) after the
/// last property of `section` (and its continuation lines), so that
/// comments and blank lines that lead into the next section stay put.
fn add_to_section(
    text: &str,
    lines: &[Line],
    section: &Section,
    new_line: &dyn Fn(&str) -> String,
) -> Change {
    let body = &lines[section.header + 1..section.end];
    let last = body
        .iter()
        .rposition(|l| matches!(l.class, Class::Property { .. } | Class::Continuation));
    let anchor = match last {
        Some(i) => &body[i],
        None => &lines[section.header],
    };
    let new_line = new_line(&separator(text, body));
    let eol = line_ending(text);
    let mut out = String::with_capacity(text.len() + new_line.len() + 2);
    let at = anchor.next();
    out.push_str(&text[..at]);
    if anchor.eol == 0 {
        // The anchor is the file's last line and has no line ending:
        // the new line becomes the last line, also without one.
        out.push_str(eol);
        out.push_str(&new_line);
    } else {
        out.push_str(&new_line);
        out.push_str(eol);
    }
    out.push_str(&text[at..]);
    Change::Added { text: out }
}

/// The spacing around `=` of the last property in `body` that has a value
/// (`s3 =` starting sub-properties has none, so no space after its `=`);
/// ` = ` when there is none.
fn separator(text: &str, body: &[Line]) -> String {
    body.iter()
        .rev()
        .find_map(|l| match &l.class {
            Class::Property { value: (a, b), .. } if a < b => {
                let c = l.content(text);
                let eq = c.find('=')?;
                let key_end = c[..eq].trim_end_matches(WS).len();
                let sep = &c[key_end..*a];
                // Only the blanks and `=`, never part of a comment.
                sep.chars()
                    .all(|ch| ch == '=' || WS.contains(&ch))
                    .then(|| sep.to_string())
            }
            _ => None,
        })
        .unwrap_or_else(|| " = ".to_string())
}

/// A new section for `profile` holding `new_line`, at the end of the file
/// (after a blank line).
fn add_section(
    text: &str,
    lines: &[Line],
    kind: FileKind,
    profile: &str,
    new_line: &str,
) -> Change {
    let eol = line_ending(text);
    let header = match (kind, profile) {
        (FileKind::Config, "default") => "[default]".to_string(),
        (FileKind::Config, name) => format!("[profile {name}]"),
        (FileKind::Credentials, name) => format!("[{name}]"),
    };
    let mut out = text.to_string();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push_str(eol);
        }
        if lines
            .last()
            .is_some_and(|l| !matches!(l.class, Class::Blank))
        {
            out.push_str(eol);
        }
    }
    out.push_str(&format!("{header}{eol}{new_line}{eol}"));
    Change::Added { text: out }
}

/// Remove every definition of `key` in `profile` (each line with its
/// continuation lines); None when there is none. Every other byte stays
/// (`keys import` takes the key out of the credentials file this way).
pub fn unset(text: &str, kind: FileKind, profile: &str, key: &str) -> Option<String> {
    let lines = split(text, kind);
    let all = sections(&lines);
    let wanted = key.to_ascii_lowercase();
    let found = profile_sections(&all, kind, profile);
    removing(text, &lines, &found, |_, k| k == wanted)
}

/// Remove every property (with its continuation lines) for which
/// `drop(profile, key)` holds, in every section of every profile:
/// `[default]` and `[profile default]` of a config file both (the SDKs
/// disagree on which one counts). None when nothing matched.
pub fn without(text: &str, kind: FileKind, drop: impl Fn(&str, &str) -> bool) -> Option<String> {
    let lines = split(text, kind);
    let all = sections(&lines);
    let found: Vec<&Section> = all.iter().collect();
    removing(text, &lines, &found, drop)
}

fn removing(
    text: &str,
    lines: &[Line],
    found: &[&Section],
    drop: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    let mut edits = Vec::new();
    for section in found {
        let Some(profile) = section.profile.as_deref() else {
            continue;
        };
        for i in section.header + 1..section.end {
            if !matches!(&lines[i].class, Class::Property { key, .. } if drop(profile, key)) {
                continue;
            }
            edits.push((lines[i].start, lines[i].next(), String::new()));
            edits.extend(
                continuations(lines, i)
                    .into_iter()
                    .map(|j| (lines[j].start, lines[j].next(), String::new())),
            );
        }
    }
    (!edits.is_empty()).then(|| splice(text, edits))
}

/// Why [`replace_key`] could not swap a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyEditError {
    #[error("no profile holds aws_access_key_id = {0}")]
    NotFound(String),
    #[error("profile `{0}` has aws_access_key_id but no aws_secret_access_key")]
    NoSecret(String),
    #[error(transparent)]
    Unwritable(#[from] Unwritable),
}

/// Swap the access key `old_id` for `new_id`/`new_secret` in every profile
/// section holding it (copies of one key must all move together, or the
/// copies stop working when the old key is deleted). Returns the new text
/// and the profiles changed. Only the two values change in each.
pub fn replace_key(
    text: &str,
    kind: FileKind,
    old_id: &str,
    new_id: &str,
    new_secret: &str,
) -> Result<(String, Vec<String>), KeyEditError> {
    let lines = split(text, kind);
    let all = sections(&lines);
    let mut edits = Vec::new();
    let mut profiles: Vec<String> = Vec::new();
    for name in all.iter().filter_map(|s| s.profile.as_ref()) {
        if profiles.contains(name) {
            continue;
        }
        // Where the SDK reads the profile's key: a copy that a later line
        // overrides is not this key, and is left alone.
        let mine = profile_sections(&all, kind, name);
        let Some(id) = defining_line(&lines, &mine, "aws_access_key_id") else {
            continue;
        };
        if value_of(text, &lines, id).0 != old_id {
            continue;
        }
        let Some(secret) = defining_line(&lines, &mine, "aws_secret_access_key") else {
            return Err(KeyEditError::NoSecret(name.clone()));
        };
        value_ok(name, "aws_access_key_id", new_id)?;
        value_ok(name, "aws_secret_access_key", new_secret)?;
        edits.extend(replace_value(text, &lines, id, new_id));
        edits.extend(replace_value(text, &lines, secret, new_secret));
        profiles.push(name.clone());
    }
    if profiles.is_empty() {
        return Err(KeyEditError::NotFound(old_id.to_string()));
    }
    Ok((splice(text, edits), profiles))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profiles;

    /// [`super::set`] of a value that is fine to write.
    fn set(text: &str, kind: FileKind, profile: &str, key: &str, value: &str) -> Change {
        super::set(text, kind, profile, key, value).unwrap()
    }

    #[test]
    fn unset_removes_every_definition_and_nothing_else() {
        let text = "# mine\n[alice]\naws_access_key_id = A\naws_secret_access_key = S1\n  cont\n; note\nregion = x\n[bob]\naws_secret_access_key = B\n[alice]\nAWS_SECRET_ACCESS_KEY=S2";
        let out = unset(
            text,
            FileKind::Credentials,
            "alice",
            "aws_secret_access_key",
        )
        .unwrap();
        assert_eq!(
            out,
            "# mine\n[alice]\naws_access_key_id = A\n; note\nregion = x\n[bob]\naws_secret_access_key = B\n[alice]\n"
        );
        assert_eq!(
            unset(
                &out,
                FileKind::Credentials,
                "alice",
                "aws_secret_access_key"
            ),
            None
        );
    }

    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

    /// What one [`super::set`] of `mfa_serial = SERIAL` must give: the whole
    /// new text, where `{SERIAL}` stands for the value.
    enum Want {
        Added(&'static str),
        Replaced {
            previous: &'static str,
            text: &'static str,
        },
    }

    struct Case {
        /// Names the case when it fails.
        name: &'static str,
        kind: FileKind,
        profile: &'static str,
        text: &'static str,
        want: Want,
    }

    /// Every edit of [`super::set`] that writes: one table, so that each
    /// case is held to the same three checks in [`check`].
    const CASES: &[Case] = &[
        Case {
            name: "adds after the last property, keeping comments and spacing",
            kind: FileKind::Config,
            profile: "alice",
            text: "# my settings\n\n[profile alice]\nregion=eu-west-1   ; inline\n  # indented note\n\n# about dev\n[profile dev]\nrole_arn = x\n",
            want: Want::Added(
                "# my settings\n\n[profile alice]\nregion=eu-west-1   ; inline\n  # indented note\nmfa_serial={SERIAL}\n\n# about dev\n[profile dev]\nrole_arn = x\n",
            ),
        },
        Case {
            name: "replaces only the value",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nMFA_Serial   =   arn:old   # the old phone\nregion = x\n",
            want: Want::Replaced {
                previous: "arn:old",
                text: "[profile alice]\nMFA_Serial   =   {SERIAL}   # the old phone\nregion = x\n",
            },
        },
        Case {
            name: "an empty value keeps its comment",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nmfa_serial = # todo\n",
            want: Want::Replaced {
                previous: "",
                text: "[profile alice]\nmfa_serial = {SERIAL} # todo\n",
            },
        },
        Case {
            name: "an empty value with no space after `=`",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nmfa_serial=\n",
            want: Want::Replaced {
                previous: "",
                text: "[profile alice]\nmfa_serial= {SERIAL}\n",
            },
        },
        Case {
            name: "a CRLF file stays CRLF when a key is added",
            kind: FileKind::Config,
            profile: "default",
            text: "[default]\r\nregion = us-east-1\r\n\r\n[profile b]\r\nregion = x\r\n",
            want: Want::Added(
                "[default]\r\nregion = us-east-1\r\nmfa_serial = {SERIAL}\r\n\r\n[profile b]\r\nregion = x\r\n",
            ),
        },
        Case {
            name: "a CRLF file stays CRLF when a section is added",
            kind: FileKind::Config,
            profile: "new",
            text: "[default]\r\nregion = us-east-1\r\n\r\n[profile b]\r\nregion = x\r\n",
            want: Want::Added(
                "[default]\r\nregion = us-east-1\r\n\r\n[profile b]\r\nregion = x\r\n\r\n[profile new]\r\nmfa_serial = {SERIAL}\r\n",
            ),
        },
        Case {
            name: "missing trailing newline: a key added",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nregion = x",
            want: Want::Added("[profile alice]\nregion = x\nmfa_serial = {SERIAL}"),
        },
        Case {
            name: "missing trailing newline: a section added",
            kind: FileKind::Config,
            profile: "bob",
            text: "[profile alice]\nregion = x",
            want: Want::Added(
                "[profile alice]\nregion = x\n\n[profile bob]\nmfa_serial = {SERIAL}\n",
            ),
        },
        Case {
            name: "missing trailing newline: a header alone",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]",
            want: Want::Added("[profile alice]\nmfa_serial = {SERIAL}"),
        },
        // In a config file `[alice]` is not the profile alice (the SDK
        // ignores it); in a credentials file `[profile alice]` is not either.
        Case {
            name: "section names per file kind: config",
            kind: FileKind::Config,
            profile: "alice",
            text: "[alice]\nregion = x\n",
            want: Want::Added("[alice]\nregion = x\n\n[profile alice]\nmfa_serial = {SERIAL}\n"),
        },
        Case {
            name: "section names per file kind: credentials",
            kind: FileKind::Credentials,
            profile: "alice",
            text: "[profile alice]\nx = 1\n",
            want: Want::Added("[profile alice]\nx = 1\n\n[alice]\nmfa_serial = {SERIAL}\n"),
        },
        // `[ profile   alice ]  # note` is alice, with odd spacing.
        Case {
            name: "section names per file kind: odd spacing",
            kind: FileKind::Config,
            profile: "alice",
            text: "[ profile   alice ]  # note\nregion = x\n",
            want: Want::Added("[ profile   alice ]  # note\nregion = x\nmfa_serial = {SERIAL}\n"),
        },
        Case {
            name: "default profile: a new section",
            kind: FileKind::Config,
            profile: "default",
            text: "",
            want: Want::Added("[default]\nmfa_serial = {SERIAL}\n"),
        },
        // `[profile default]` wins over `[default]` in the SDK: edit that one.
        Case {
            name: "default profile: `[profile default]` wins",
            kind: FileKind::Config,
            profile: "default",
            text: "[default]\nregion = a\n[profile default]\nregion = b\n",
            want: Want::Added(
                "[default]\nregion = a\n[profile default]\nregion = b\nmfa_serial = {SERIAL}\n",
            ),
        },
        Case {
            name: "sub-properties stay together",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\ns3 =\n  max_concurrent_requests = 20\n# next\n[profile b]\n",
            want: Want::Added(
                "[profile alice]\ns3 =\n  max_concurrent_requests = 20\nmfa_serial = {SERIAL}\n# next\n[profile b]\n",
            ),
        },
        Case {
            name: "repeated sections: edit where the SDK reads",
            kind: FileKind::Config,
            profile: "a",
            text: "[profile a]\nmfa_serial = one\n[profile a]\nmfa_serial = two\n",
            want: Want::Replaced {
                previous: "two",
                text: "[profile a]\nmfa_serial = one\n[profile a]\nmfa_serial = {SERIAL}\n",
            },
        },
        Case {
            name: "sso sessions are not profiles",
            kind: FileKind::Config,
            profile: "alice",
            text: "[sso-session alice]\nsso_region = x\n",
            want: Want::Added(
                "[sso-session alice]\nsso_region = x\n\n[profile alice]\nmfa_serial = {SERIAL}\n",
            ),
        },
        // Found by tests/props.rs: the SDK appends continuation lines to the
        // value above them, so replacing only the first line's value left
        // them in the value read back.
        Case {
            name: "replacing a value replaces its continuation lines",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nmfa_serial=\n  max_concurrent_requests = 20\r\n# after\nregion = x",
            want: Want::Replaced {
                previous: "\nmax_concurrent_requests = 20",
                text: "[profile alice]\nmfa_serial= {SERIAL}\n# after\nregion = x",
            },
        },
        // The file's last line, with no line ending, takes the one before.
        Case {
            name: "replacing a value replaces its continuation on the last line",
            kind: FileKind::Config,
            profile: "alice",
            text: "[profile alice]\nmfa_serial=v ; c\n  more",
            want: Want::Replaced {
                previous: "v\nmore",
                text: "[profile alice]\nmfa_serial={SERIAL} ; c",
            },
        },
    ];

    /// The edit gives exactly the text wanted, both the SDK and [`get`]
    /// read the value back from it, and setting it again changes nothing.
    fn check(case: &Case) {
        let with_serial = |text: &str| text.replace("{SERIAL}", SERIAL);
        let want = match case.want {
            Want::Added(text) => Change::Added {
                text: with_serial(text),
            },
            Want::Replaced { previous, text } => Change::Replaced {
                text: with_serial(text),
                previous: previous.to_string(),
            },
        };
        let name = case.name;
        let change = set(case.text, case.kind, case.profile, "mfa_serial", SERIAL);
        assert_eq!(change, want, "{name}");
        let out = change.text().unwrap_or_default();
        let (config, credentials) = match case.kind {
            FileKind::Config => (out, ""),
            FileKind::Credentials => ("", out),
        };
        let sdk = Profiles::parse(config, credentials).unwrap();
        assert_eq!(
            sdk.value(case.profile, "mfa_serial"),
            Some(SERIAL),
            "{name}"
        );
        let ours = get(out, case.kind, case.profile, "mfa_serial");
        assert_eq!(ours.as_deref(), Some(SERIAL), "{name}");
        let again = set(out, case.kind, case.profile, "mfa_serial", SERIAL);
        assert_eq!(again, Change::Same, "{name}");
    }

    #[test]
    fn set_writes_only_what_it_must() {
        CASES.iter().for_each(check);
    }

    /// The SDK appends continuation lines to the value above them, and so
    /// does [`get`]: the case above starts from this value.
    #[test]
    fn get_reads_continuation_lines_as_the_sdk_does() {
        let text =
            "[profile alice]\nmfa_serial=\n  max_concurrent_requests = 20\r\n# after\nregion = x";
        assert_eq!(
            get(text, FileKind::Config, "alice", "mfa_serial").as_deref(),
            Some("\nmax_concurrent_requests = 20")
        );
    }

    #[test]
    fn replace_key_swaps_every_copy_and_nothing_else() {
        let text = "# keys\r\n[alice]\r\naws_access_key_id=AKIAOLD\r\naws_secret_access_key =  old/secret+x  ; rotated monthly\r\n\r\n[bob]\r\naws_access_key_id = AKIABOB\r\naws_secret_access_key = bobsecret\r\n[alice-copy]\r\naws_secret_access_key = old/secret+x\r\naws_access_key_id = AKIAOLD";
        let (out, profiles) = replace_key(
            text,
            FileKind::Credentials,
            "AKIAOLD",
            "AKIANEW",
            "new/secret",
        )
        .unwrap();
        assert_eq!(
            profiles,
            vec!["alice".to_string(), "alice-copy".to_string()]
        );
        assert_eq!(
            out,
            "# keys\r\n[alice]\r\naws_access_key_id=AKIANEW\r\naws_secret_access_key =  new/secret  ; rotated monthly\r\n\r\n[bob]\r\naws_access_key_id = AKIABOB\r\naws_secret_access_key = bobsecret\r\n[alice-copy]\r\naws_secret_access_key = new/secret\r\naws_access_key_id = AKIANEW"
        );
        let p = Profiles::parse("", &out).unwrap();
        assert_eq!(
            p.value("alice", "aws_secret_access_key"),
            Some("new/secret")
        );
        assert_eq!(p.value("bob", "aws_access_key_id"), Some("AKIABOB"));

        assert_eq!(
            replace_key(text, FileKind::Credentials, "AKIANONE", "a", "b"),
            Err(KeyEditError::NotFound("AKIANONE".into()))
        );
        assert_eq!(
            replace_key(
                "[a]\naws_access_key_id = K\n",
                FileKind::Credentials,
                "K",
                "a",
                "b"
            ),
            Err(KeyEditError::NoSecret("a".into()))
        );
        // Config files name the section `[profile x]`.
        let (out, profiles) = replace_key(
            "[profile a]\naws_access_key_id = K\naws_secret_access_key = S\n",
            FileKind::Config,
            "K",
            "N",
            "T",
        )
        .unwrap();
        assert_eq!(profiles, vec!["a".to_string()]);
        assert_eq!(
            out,
            "[profile a]\naws_access_key_id = N\naws_secret_access_key = T\n"
        );
    }

    /// The last line of defence (issue 21): whoever asks, nothing that
    /// would add a line, a section or a comment, or be read back as another
    /// value by the SDK or by botocore's configparser, is written; the
    /// refusal is typed, names the key, and never quotes the value.
    #[test]
    fn values_that_would_change_the_files_structure_are_refused() {
        let text = "[profile alice]\nregion = x\n";
        let creds = "[alice]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n";
        let evil = "\n[profile evil]\ncredential_process = touch /tmp/pwned";
        let values = [
            format!("secret{evil}"),
            "arn:aws:iam::1:mfa/a\nmfa_process = touch /tmp/pwned".to_string(),
            "a\rb".into(),
            "a\0b".into(),
            "a\x0bb".into(),
            "a\u{85}b".into(),
            "a\u{2028}b".into(),
            "\u{1b}]0;x\u{7}".into(),
            " lead".into(),
            "trail\t".into(),
            "trail\u{a0}".into(),
            "#comment".into(),
            ";comment".into(),
            "value #cut".into(),
            "value\u{a0};cut".into(),
        ];
        for value in &values {
            let err = super::set(text, FileKind::Config, "alice", "mfa_serial", value).unwrap_err();
            assert_eq!(err.what, "the value of mfa_serial", "{value:?}");
            let shown = err.to_string();
            assert!(shown.contains("nothing was written"), "{shown}");
            assert!(!shown.contains(value.as_str()), "{shown}");
            assert!(!shown.contains("pwned"), "{shown}");
            assert!(matches!(
                replace_key(creds, FileKind::Credentials, "AKIAOLD", "AKIANEW", value),
                Err(KeyEditError::Unwritable(_))
            ));
            assert!(matches!(
                replace_key(creds, FileKind::Credentials, "AKIAOLD", value, "new"),
                Err(KeyEditError::Unwritable(_))
            ));
        }
        for key in ["", "mfa serial", "a=b", "a:b", "[x", "#k", "k\n[evil]"] {
            let err = super::set(text, FileKind::Config, "alice", key, "v").unwrap_err();
            assert!(err.what.starts_with("the key"), "{key:?}: {err}");
        }
        for profile in ["", "a]b", "a[b", "a#b", "a;b", "a\nb", " a", "a "] {
            let err = super::set(text, FileKind::Config, profile, "k", "v").unwrap_err();
            assert!(err.what.contains("profile name"), "{profile:?}: {err}");
        }
        // What awsmfa writes passes, and the SDK reads it back unchanged.
        for value in [
            SERIAL,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "awsmfa keys get 'my profile'",
            "a#b;c",
        ] {
            let out = set(text, FileKind::Config, "alice", "k", value);
            let p = Profiles::parse(out.text().unwrap(), "").unwrap();
            assert_eq!(p.value("alice", "k"), Some(value), "{value:?}");
        }
    }

    /// Found by tests/props.rs: a key defined twice in a profile is read
    /// from its last definition; an earlier copy of the old key id is not
    /// the profile's key, and its secret must not be replaced.
    #[test]
    fn replace_key_follows_the_definition_the_sdk_reads() {
        let text = "[default]\naws_access_key_id=OLD\naws_access_key_id=\naws_secret_access_key=s";
        assert_eq!(
            replace_key(text, FileKind::Credentials, "OLD", "N", "T"),
            Err(KeyEditError::NotFound("OLD".into()))
        );
        let text = "[a]\naws_access_key_id = OTHER\naws_secret_access_key = s1\n[a]\naws_access_key_id = OLD\n";
        let (out, profiles) = replace_key(text, FileKind::Credentials, "OLD", "N", "T").unwrap();
        assert_eq!(profiles, vec!["a".to_string()]);
        assert_eq!(
            out,
            "[a]\naws_access_key_id = OTHER\naws_secret_access_key = T\n[a]\naws_access_key_id = N\n"
        );
        let p = Profiles::parse("", &out).unwrap();
        assert_eq!(p.value("a", "aws_access_key_id"), Some("N"));
        assert_eq!(p.value("a", "aws_secret_access_key"), Some("T"));
    }
}
