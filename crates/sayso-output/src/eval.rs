//! Scores attribution predictions against gold annotations with the project's protocol: the
//! quote protocol of the Gender Gap Tracker (a gold quote is found when a predicted content
//! covers at least θ of its characters; pairs are taken greedily, one to one), speaker, cue and
//! resolved-speaker accuracy, and who-said-what F1.
//!
//! Gold lines are `{"id", "text", "attributions": [{"source", "cue", "content", "resolved",
//! "kind", "optional"}]}` with spans as lists of `[start, end]` in code points; predictions
//! are the JSON Lines output contract, with UTF-8 byte offsets. Optional gold attributions
//! neither count as misses nor make a matching prediction wrong.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why scoring failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not valid JSON of the expected shape.
    #[error("{file}:{line}: not JSON: {message}")]
    Json {
        /// Which input (`gold` or `predictions`, or a path).
        file: String,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A predicted offset is not a UTF-8 character boundary of the gold text.
    #[error("capture offsets {start}..{end} are not UTF-8 char boundaries")]
    Boundary {
        /// Start offset.
        start: usize,
        /// End offset.
        end: usize,
    },
}

/// A gold document.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldDocument {
    /// Its id (a string, or a number printed as one).
    pub id: Value,
    /// Its text.
    pub text: String,
    /// The annotated attributions.
    #[serde(default)]
    pub attributions: Vec<GoldAttribution>,
}

/// One gold attribution; spans are `[start, end]` code point pairs.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldAttribution {
    /// The speaker's spans.
    #[serde(default)]
    pub source: Vec<[usize; 2]>,
    /// The cue's spans.
    #[serde(default)]
    pub cue: Vec<[usize; 2]>,
    /// The content's spans.
    #[serde(default)]
    pub content: Vec<[usize; 2]>,
    /// The full name the speaker refers to, when the source is a pronoun or description.
    #[serde(default)]
    pub resolved: Option<String>,
    /// `direct`, `indirect`, ...
    #[serde(default)]
    pub kind: Option<String>,
    /// Optional attributions are neither required nor wrong.
    #[serde(default)]
    pub optional: Option<bool>,
}

/// Options of a scoring run.
#[derive(Clone, Debug)]
pub struct EvalConfig {
    /// Only predictions with this label count.
    pub label: String,
    /// How many error lines to collect.
    pub show_errors: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            label: "Attribution".to_owned(),
            show_errors: 0,
        }
    }
}

/// The raw counts behind the figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Required gold attributions.
    pub gold: usize,
    /// Predicted attributions.
    pub pred: usize,
    /// Predictions paired with an optional gold attribution.
    pub opt_hit: usize,
    /// Gold quotes found at θ = 0.3.
    pub tp3: usize,
    /// Gold quotes found at θ = 0.8.
    pub tp8: usize,
    /// Found quotes with the right speaker span.
    pub spk_ok: usize,
    /// Found quotes whose gold has a cue.
    pub cue_n: usize,
    /// Of those, with the same cue text.
    pub cue_ok: usize,
    /// Found quotes whose gold has a speaker.
    pub res_n: usize,
    /// Of those, whose predicted name names the gold speaker.
    pub res_ok: usize,
    /// Found quotes with the right speaker (who said what).
    pub wsw: usize,
    /// Gold documents.
    pub docs: usize,
    /// Gold documents without a prediction line.
    pub missing_docs: usize,
}

/// The figures; each triple is precision, recall, F1 as fractions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Quote content found at 30 % coverage.
    #[serde(rename = "quotes@0.3")]
    pub quotes_03: (f64, f64, f64),
    /// Quote content found at 80 % coverage.
    #[serde(rename = "quotes@0.8")]
    pub quotes_08: (f64, f64, f64),
    /// Speaker accuracy among found quotes.
    pub speaker_acc: f64,
    /// Cue accuracy among found quotes with a gold cue.
    pub cue_acc: f64,
    /// Resolved-speaker accuracy among found quotes with a gold speaker.
    pub resolved_acc: f64,
    /// Who-said-what precision, recall, F1.
    pub who_said_what: (f64, f64, f64),
    /// The counts.
    pub counts: Counts,
}

/// The result of scoring: figures and the collected error lines.
#[derive(Clone, Debug)]
pub struct Report {
    /// The figures.
    pub scores: Scores,
    /// Up to `show_errors` lines describing misses, wrong speakers and spurious predictions.
    pub errors: Vec<String>,
}

impl Report {
    /// The figures as one JSON object, with the keys of the reference scorer's `--json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.scores).unwrap_or_default()
    }

    /// The figures laid out as the reference scorer prints them.
    pub fn to_text(&self) -> String {
        let s = &self.scores;
        let c = &s.counts;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "documents {} (no prediction line for {}), gold attributions {}, predicted {}",
            c.docs, c.missing_docs, c.gold, c.pred
        );
        for (name, (p, r, f)) in [
            ("quotes@0.3", s.quotes_03),
            ("quotes@0.8", s.quotes_08),
            ("who_said_what", s.who_said_what),
        ] {
            let _ = writeln!(
                out,
                "{name:<14} P {}  R {}  F1 {}",
                percent(p, 6),
                percent(r, 6),
                percent(f, 6)
            );
        }
        let _ = writeln!(
            out,
            "speaker acc {}   cue acc {}   resolved acc {}",
            percent(s.speaker_acc, 0),
            percent(s.cue_acc, 0),
            percent(s.resolved_acc, 0)
        );
        for e in &self.errors {
            let _ = writeln!(out, "{e}");
        }
        out
    }
}

/// Python's `{:W.1%}`: the fraction times 100 with one decimal and a `%`, right-aligned.
fn percent(x: f64, width: usize) -> String {
    format!("{:>width$}", format!("{:.1}%", x * 100.0))
}

/// A prediction line's matches of one document.
#[derive(Clone, Debug, Deserialize)]
struct PredictionLine {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    matches: Vec<Value>,
}

/// Parses prediction lines: the last line of an id wins; only matches with `label` are kept.
pub fn read_predictions(
    name: &str,
    text: &str,
    label: &str,
) -> Result<HashMap<String, Vec<Value>>, EvalError> {
    let mut predictions = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: PredictionLine = serde_json::from_str(line).map_err(|e| EvalError::Json {
            file: name.to_owned(),
            line: index + 1,
            message: e.to_string(),
        })?;
        let kept = parsed
            .matches
            .into_iter()
            .filter(|m| m.get("label").and_then(Value::as_str) == Some(label))
            .collect();
        predictions.insert(python_str(&parsed.id), kept);
    }
    Ok(predictions)
}

/// Parses gold lines.
pub fn read_gold(name: &str, text: &str) -> Result<Vec<GoldDocument>, EvalError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| EvalError::Json {
                file: name.to_owned(),
                line: index + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// An id as Python's `str()` prints it, so that numeric ids pair up as they do in the scorer.
fn python_str(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

struct Predicted {
    content: BTreeSet<usize>,
    speaker: BTreeSet<usize>,
    speaker_text: Option<String>,
    resolved: Option<String>,
    cue: String,
    rule: String,
    text: String,
}

struct Gold {
    content: BTreeSet<usize>,
    speaker: BTreeSet<usize>,
    speaker_text: String,
    resolved: Option<String>,
    optional: bool,
    cue: String,
    content_text: String,
}

/// Byte offset to code point offset, defined only at character boundaries.
struct ByteToChar<'t> {
    text: &'t str,
    table: crate::OffsetMap,
}

impl ByteToChar<'_> {
    fn map(&self, start: usize, end: usize) -> Result<(usize, usize), EvalError> {
        let ok = |b: usize| b <= self.text.len() && self.text.is_char_boundary(b);
        if ok(start) && ok(end) {
            Ok((self.table.map(start), self.table.map(end)))
        } else {
            Err(EvalError::Boundary { start, end })
        }
    }
}

fn char_set(spans: &[(usize, usize)]) -> BTreeSet<usize> {
    spans.iter().flat_map(|&(a, b)| a..b).collect()
}

/// A capture is one object or a list of them.
fn capture_list(capture: Option<&Value>) -> Option<Vec<&Value>> {
    match capture? {
        Value::Null => None,
        Value::Array(list) => Some(list.iter().collect()),
        other => Some(vec![other]),
    }
}

fn offset(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_u64).unwrap_or(0) as usize
}

fn capture_spans(
    capture: Option<&Value>,
    map: &ByteToChar<'_>,
) -> Result<Vec<(usize, usize)>, EvalError> {
    capture_list(capture)
        .unwrap_or_default()
        .into_iter()
        .map(|c| map.map(offset(c, "start"), offset(c, "end")))
        .collect()
}

fn capture_text(capture: Option<&Value>) -> Option<String> {
    let list = capture_list(capture)?;
    let texts: Vec<&str> = list
        .iter()
        .map(|c| c.get("text").and_then(Value::as_str).unwrap_or(""))
        .collect();
    Some(texts.join(" "))
}

/// Python truthiness of an optional string.
fn truthy(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn predicted(m: &Value, map: &ByteToChar<'_>) -> Result<Predicted, EvalError> {
    let captures = m.get("captures");
    let capture = |name: &str| captures.and_then(|c| c.get(name));
    let mut content = capture_spans(capture("content"), map)?;
    if content.is_empty() {
        content = vec![map.map(offset(m, "start"), offset(m, "end"))?];
    }
    let resolved = truthy(&capture_text(capture("resolved")))
        .map(str::to_owned)
        .or_else(|| {
            m.get("attrs")
                .and_then(|a| a.get("resolved"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    Ok(Predicted {
        content: char_set(&content),
        speaker: char_set(&capture_spans(capture("speaker"), map)?),
        speaker_text: capture_text(capture("speaker")),
        resolved,
        cue: capture_text(capture("cue"))
            .unwrap_or_default()
            .trim()
            .to_lowercase(),
        rule: m
            .get("rule")
            .map(|r| r.as_str().map_or_else(|| r.to_string(), str::to_owned))
            .unwrap_or_else(|| "None".to_owned()),
        text: m
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

/// The text of code point spans joined by spaces, as the scorer slices Python strings.
fn span_text(chars: &[char], spans: &[[usize; 2]]) -> String {
    let pieces: Vec<String> = spans
        .iter()
        .map(|&[a, b]| {
            let b = b.min(chars.len());
            chars[a.min(b)..b].iter().collect()
        })
        .collect();
    pieces.join(" ")
}

fn gold(a: &GoldAttribution, chars: &[char]) -> Gold {
    let pairs = |spans: &[[usize; 2]]| -> Vec<(usize, usize)> {
        spans.iter().map(|&[a, b]| (a, b)).collect()
    };
    Gold {
        content: char_set(&pairs(&a.content)),
        speaker: char_set(&pairs(&a.source)),
        speaker_text: span_text(chars, &a.source),
        resolved: a.resolved.clone(),
        optional: a.optional.unwrap_or(false),
        cue: span_text(chars, &a.cue).trim().to_lowercase(),
        content_text: span_text(chars, &a.content),
    }
}

/// Greedy one-to-one pairing: highest coverage first, ties to the later gold, then the later
/// prediction (the order of Python's reverse sort of `(coverage, gold, prediction)`).
fn pair(gold: &[Gold], predicted: &[Predicted], theta: f64) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (gi, g) in gold.iter().enumerate() {
        if g.content.is_empty() {
            continue;
        }
        for (pi, p) in predicted.iter().enumerate() {
            let coverage =
                g.content.intersection(&p.content).count() as f64 / g.content.len() as f64;
            if coverage >= theta {
                pairs.push((coverage, gi, pi));
            }
        }
    }
    pairs.sort_by(|x, y| y.partial_cmp(x).unwrap_or(std::cmp::Ordering::Equal));
    let mut used_gold = BTreeSet::new();
    let mut used_pred = BTreeSet::new();
    let mut out = Vec::new();
    for (_, gi, pi) in pairs {
        if !used_gold.contains(&gi) && !used_pred.contains(&pi) {
            used_gold.insert(gi);
            used_pred.insert(pi);
            out.push((gi, pi));
        }
    }
    out
}

const STOP: &str = "a an the of in on at for to from and or by with his her their its our my \
                    your this that these those former current new senior top mr mrs ms dr";
const PRONOUNS: &str = "he she they it we i you him her them us";

/// Python's `\w`: alphanumeric or underscore.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's `[^\W\d_]`: a word character that is neither a decimal digit nor `_`.
fn is_letter(c: char) -> bool {
    c.is_alphanumeric() && c != '_' && !is_decimal_digit(c)
}

/// Decimal digits (Unicode Nd), other scripts included: `char::is_numeric` would also take
/// fractions and Roman numerals, which Python's `\d` does not.
fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit() || is_nd_outside_ascii(c)
}

/// Non-ASCII decimal digits: Unicode Nd comes in runs of ten; the runs of the scripts news
/// text uses are listed.
fn is_nd_outside_ascii(c: char) -> bool {
    const ZEROS: [u32; 24] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10, 0x1946,
        0x19D0, 0xA620,
    ];
    let code = c as u32;
    ZEROS.iter().any(|&zero| (zero..zero + 10).contains(&code))
}

/// The scorer's `words()`: drop `'s`/`’s` before a word boundary, lower-case, keep runs of
/// letters longer than one character that are not stop words.
fn words(s: &str) -> BTreeSet<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut kept = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let possessive = matches!(chars[i], '\'' | '’')
            && chars.get(i + 1) == Some(&'s')
            && chars.get(i + 2).is_none_or(|&c| !is_word_char(c));
        if possessive {
            i += 2;
        } else {
            kept.push(chars[i]);
            i += 1;
        }
    }
    let lower = kept.to_lowercase();
    let stop: BTreeSet<&str> = STOP.split_whitespace().collect();
    lower
        .split(|c: char| !is_letter(c))
        .filter(|w| w.chars().count() > 1 && !stop.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The scorer's `names_same()`: the predicted name shares a word with the gold name, and a bare
/// pronoun never names a gold name that is not itself a pronoun.
fn names_same(pred: &str, gold: &str) -> bool {
    let (p, g) = (words(pred), words(gold));
    if p.is_empty() || g.is_empty() {
        return false;
    }
    let pronouns: BTreeSet<&str> = PRONOUNS.split_whitespace().collect();
    let all_pronouns = |set: &BTreeSet<String>| set.iter().all(|w| pronouns.contains(w.as_str()));
    if all_pronouns(&p) && !all_pronouns(&g) {
        return false;
    }
    !p.is_disjoint(&g)
}

fn prf(tp: usize, npred: usize, ngold: usize) -> (f64, f64, f64) {
    let p = if npred > 0 {
        tp as f64 / npred as f64
    } else {
        0.0
    };
    let r = if ngold > 0 {
        tp as f64 / ngold as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Python's `repr()` of a string, for error lines.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !py_printable(c) => {
                let code = c as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character: not a control, not a separator other than
/// the space, not a format character.
fn py_printable(c: char) -> bool {
    let format = matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB);
    !(c.is_control() || (c.is_whitespace() && c != ' ') || format)
}

fn prefix(s: &str, chars: usize) -> &str {
    s.char_indices().nth(chars).map_or(s, |(i, _)| &s[..i])
}

/// Scores `predictions` (from [`read_predictions`]) against `gold`.
pub fn score(
    gold_docs: &[GoldDocument],
    predictions: &HashMap<String, Vec<Value>>,
    config: &EvalConfig,
) -> Result<Report, EvalError> {
    let mut t = Counts::default();
    let mut errors: Vec<String> = Vec::new();
    let room = |errors: &Vec<String>| errors.len() < config.show_errors;
    // The reference scorer's error line for a gold quote without a speaker repeats the names of
    // the last quote that had one (its variables outlive the loop); keep the same lines.
    let mut got = String::new();
    let mut want = String::new();
    for doc in gold_docs {
        let id = python_str(&doc.id);
        t.docs += 1;
        let matches = predictions.get(&id);
        if matches.is_none() {
            t.missing_docs += 1;
        }
        let map = ByteToChar {
            text: &doc.text,
            table: crate::OffsetMap::new(&doc.text, crate::OffsetUnit::Chars),
        };
        let p_list: Vec<Predicted> = matches
            .map(|ms| {
                ms.iter()
                    .map(|m| predicted(m, &map))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let chars: Vec<char> = doc.text.chars().collect();
        let g_list: Vec<Gold> = doc.attributions.iter().map(|a| gold(a, &chars)).collect();
        t.gold += g_list.iter().filter(|g| !g.optional).count();
        t.pred += p_list.len();
        let m3 = pair(&g_list, &p_list, 0.3);
        t.tp8 += pair(&g_list, &p_list, 0.8)
            .iter()
            .filter(|(gi, _)| !g_list[*gi].optional)
            .count();
        let mut hit_gold = BTreeSet::new();
        for &(gi, pi) in &m3 {
            let (g, p) = (&g_list[gi], &p_list[pi]);
            hit_gold.insert(gi);
            if g.optional {
                t.opt_hit += 1;
                continue;
            }
            t.tp3 += 1;
            let speaker_ok = !g.speaker.is_disjoint(&p.speaker)
                || (g.speaker.is_empty() && p.speaker.is_empty());
            t.spk_ok += usize::from(speaker_ok);
            if !g.cue.is_empty() {
                t.cue_n += 1;
                t.cue_ok += usize::from(g.cue == p.cue);
            }
            let mut who_ok = speaker_ok;
            let gold_resolved = truthy(&g.resolved);
            if gold_resolved.is_some() || !g.speaker_text.is_empty() {
                t.res_n += 1;
                want = gold_resolved.unwrap_or(&g.speaker_text).to_owned();
                got = truthy(&p.resolved)
                    .or(truthy(&p.speaker_text))
                    .unwrap_or("")
                    .to_owned();
                let ok = names_same(&got, &want);
                t.res_ok += usize::from(ok);
                who_ok = if gold_resolved.is_some() {
                    ok
                } else {
                    speaker_ok || ok
                };
            }
            t.wsw += usize::from(who_ok);
            if !who_ok && room(&errors) {
                errors.push(format!(
                    "[{id}] wrong speaker: got {} for gold {}: {}",
                    py_repr(&got),
                    py_repr(&want),
                    py_repr(prefix(&g.content_text, 70))
                ));
            }
        }
        for (gi, g) in g_list.iter().enumerate() {
            if !hit_gold.contains(&gi) && !g.optional && room(&errors) {
                errors.push(format!(
                    "[{id}] missed: {} {}: {}",
                    py_repr(&g.speaker_text),
                    py_repr(&g.cue),
                    py_repr(prefix(&g.content_text, 80))
                ));
            }
        }
        let matched: BTreeSet<usize> = m3.iter().map(|&(_, pi)| pi).collect();
        for (pi, p) in p_list.iter().enumerate() {
            if !matched.contains(&pi) && room(&errors) {
                errors.push(format!(
                    "[{id}] spurious: {}: {}",
                    p.rule,
                    py_repr(prefix(&p.text, 80))
                ));
            }
        }
    }
    let npred = t.pred - t.opt_hit;
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let scores = Scores {
        quotes_03: prf(t.tp3, npred, t.gold),
        quotes_08: prf(t.tp8, npred, t.gold),
        speaker_acc: ratio(t.spk_ok, t.tp3),
        cue_acc: ratio(t.cue_ok, t.cue_n),
        resolved_acc: ratio(t.res_ok, t.res_n),
        who_said_what: prf(t.wsw, npred, t.gold),
        counts: t,
    };
    Ok(Report { scores, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_the_scorer() {
        let got: Vec<String> = words("Biden’s team and the U.S. President Joe Biden's aide")
            .into_iter()
            .collect();
        assert_eq!(got, ["aide", "biden", "joe", "president", "team"]);
    }

    #[test]
    fn pronouns_never_name_a_full_name() {
        assert!(!names_same("she", "Jane Doe"));
        assert!(names_same("she", "She"));
        assert!(names_same("Sen. Jane Doe", "Jane Doe"));
    }

    #[test]
    fn percent_matches_python_layout() {
        assert_eq!(percent(0.5, 6), " 50.0%");
        assert_eq!(percent(1.0, 6), "100.0%");
        assert_eq!(percent(0.0, 0), "0.0%");
    }
}
