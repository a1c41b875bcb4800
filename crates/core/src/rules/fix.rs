//! Source edits for the findings whose fix is unambiguous (`check --fix`/`--diff`): a bare IP
//! gets its host prefix (MSH202), a block with host bits set becomes the block Istio actually
//! uses (MSH203), a server-first port gets `protocol: TCP` (MSH205). Each edit is anchored at a
//! field's line and column and names the text it expects there, so it touches only that span:
//! comments, key order, quoting and the rest of the file survive byte for byte, and an edit
//! whose text moved is skipped rather than guessed.

/// One edit to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Replace the scalar at (`line`, `column`) — `expect`, possibly quoted — with `with`.
    Replace {
        /// 1-based line of the value.
        line: u64,
        /// 1-based column of the value.
        column: u64,
        /// The value as written (without quotes).
        expect: String,
        /// The new value.
        with: String,
    },
    /// Add `text` (`key: value`) as a new line after `line`, indented like `key_on_line`, the
    /// block-mapping key written on that line.
    AddSibling {
        /// 1-based line holding `key_on_line`.
        line: u64,
        /// A key on that line (`number`), whose column sets the indentation.
        key_on_line: String,
        /// The line to add, without indentation.
        text: String,
    },
}

impl Edit {
    fn line(&self) -> u64 {
        match self {
            Edit::Replace { line, .. } | Edit::AddSibling { line, .. } => *line,
        }
    }

    fn column(&self) -> u64 {
        match self {
            Edit::Replace { column, .. } => *column,
            Edit::AddSibling { .. } => u64::MAX,
        }
    }
}

/// Applies `edits` to `text`; returns the new text and how many edits applied. Edits run from
/// the end of the file backwards, so each one's line and column still point where they did.
#[must_use]
pub fn apply(text: &str, edits: &[Edit]) -> (String, usize) {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| std::cmp::Reverse((e.line(), e.column())));
    order.dedup();
    let mut applied = 0;
    for edit in order {
        let Some(index) = usize::try_from(edit.line())
            .ok()
            .and_then(|l| l.checked_sub(1))
        else {
            continue;
        };
        let Some(line) = lines.get(index) else {
            continue;
        };
        let changed = match edit {
            Edit::Replace {
                column,
                expect,
                with,
                ..
            } => replace(line, *column, expect, with).map(|new| vec![new]),
            Edit::AddSibling {
                key_on_line, text, ..
            } => add_sibling(line, key_on_line, text),
        };
        if let Some(new) = changed {
            lines.splice(index..=index, new);
            applied += 1;
        }
    }
    (lines.concat(), applied)
}

fn replace(line: &str, column: u64, expect: &str, with: &str) -> Option<String> {
    let start = usize::try_from(column).ok()?.checked_sub(1)?;
    let offset = line.char_indices().nth(start).map(|(i, _)| i)?;
    let rest = &line[offset..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
    let skip = quote.map_or(0, char::len_utf8);
    let value = rest[skip..].strip_prefix(expect)?;
    if let Some(q) = quote {
        value.strip_prefix(q)?;
    } else if value
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace() && c != ',' && c != ']' && c != '}' && c != '#')
    {
        return None; // the scalar goes on: not the value we expected
    }
    Some(format!("{}{}{with}{value}", &line[..offset], &rest[..skip]))
}

fn add_sibling(line: &str, key: &str, text: &str) -> Option<Vec<String>> {
    if line.contains('{') {
        return None; // flow style: no line to add
    }
    let at = line.find(&format!("{key}:"))?;
    let indent = " ".repeat(line[..at].chars().count());
    let mut first = line.to_owned();
    if !first.ends_with('\n') {
        first.push('\n');
    }
    let ending = if line.ends_with('\n') { "\n" } else { "" };
    Some(vec![first, format!("{indent}{text}{ending}")])
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "\
spec:
  addresses:
  - 203.0.113.7      # the primary
  - \"198.51.100.7/8\"
  ports:
  - number: 3306
    name: tcp-mysql
";

    #[test]
    fn edits_touch_only_their_span_and_keep_comments_and_quotes() {
        let edits = [
            Edit::Replace {
                line: 3,
                column: 5,
                expect: "203.0.113.7".into(),
                with: "203.0.113.7/32".into(),
            },
            Edit::Replace {
                line: 4,
                column: 5,
                expect: "198.51.100.7/8".into(),
                with: "198.0.0.0/8".into(),
            },
            Edit::AddSibling {
                line: 6,
                key_on_line: "number".into(),
                text: "protocol: TCP".into(),
            },
        ];
        let (fixed, applied) = apply(ENTRY, &edits);
        assert_eq!(applied, 3);
        assert_eq!(
            fixed,
            "\
spec:
  addresses:
  - 203.0.113.7/32      # the primary
  - \"198.0.0.0/8\"
  ports:
  - number: 3306
    protocol: TCP
    name: tcp-mysql
"
        );
    }

    #[test]
    fn an_edit_whose_text_moved_is_skipped() {
        let stale = Edit::Replace {
            line: 3,
            column: 5,
            expect: "203.0.113.70".into(),
            with: "x".into(),
        };
        let prefix = Edit::Replace {
            line: 3,
            column: 5,
            expect: "203.0.113".into(),
            with: "x".into(),
        };
        assert_eq!(apply(ENTRY, &[stale, prefix]), (ENTRY.to_owned(), 0));
    }
}
