//! A readable listing of a checked program for snapshots: one block per declaration, patterns
//! printed back in rule syntax.

use std::fmt::Write;

use sayso_lang::ir::{EmitValue, Program, Window};

/// Prints every label, lexicon, feature, rule and stage of a program.
pub fn print_program(program: &Program) -> String {
    let mut out = String::new();
    for (n, label) in program.labels.iter().enumerate() {
        let kind = if label.builtin.is_some() {
            " (built-in)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "label {n} {}{kind}: fields [{}]",
            label.name,
            label.fields.join(", ")
        );
    }
    for (n, lexicon) in program.lexicons.iter().enumerate() {
        let _ = writeln!(
            out,
            "lexicon {n} {} ({} entries{}) at {}",
            lexicon.name,
            lexicon.entries.len(),
            if lexicon.case_sensitive {
                ", case-sensitive"
            } else {
                ""
            },
            lexicon.origin
        );
        let shown: Vec<String> = lexicon
            .entries
            .iter()
            .enumerate()
            .take(12)
            .map(|(i, e)| match lexicon.lemmas.get(i) {
                Some(lemma) => format!("{e:?}<-{lemma:?}"),
                None => format!("{e:?}"),
            })
            .collect();
        let more = if lexicon.entries.len() > 12 {
            ", ..."
        } else {
            ""
        };
        let _ = writeln!(out, "  [{}{more}]", shown.join(", "));
    }
    for (n, feature) in program.features.iter().enumerate() {
        let _ = writeln!(out, "feature {n} {} at {}", feature.name, feature.origin);
        for (value, test) in &feature.values {
            let _ = writeln!(out, "  {value} = [{}]", test.display(program));
        }
    }
    for (n, rule) in program.rules.iter().enumerate() {
        let label = &program.labels[rule.label.0 as usize].name;
        let _ = writeln!(
            out,
            "rule {n} {} -> {label} priority {} within {:?} at {}",
            rule.name, rule.priority, rule.scope, rule.origin
        );
        let _ = writeln!(out, "  match {}", rule.pattern_display(program));
        let _ = writeln!(out, "  captures [{}]", rule.captures.join(", "));
        for field in &rule.emit {
            let value = match &field.value {
                EmitValue::Capture(id) => rule.captures[id.0 as usize].clone(),
                EmitValue::CaptureField { capture, field } => {
                    format!("{}.{field}", rule.captures[capture.0 as usize])
                }
                EmitValue::Constant(text) => format!("{text:?}"),
            };
            let _ = writeln!(out, "  emit {}: {value}", field.name);
        }
        for link in &rule.links {
            let window = match link.window {
                Window::Sentences(k) => format!("{k} sentences"),
                Window::Paragraphs(k) => format!("{k} paragraphs"),
                Window::Document => "document".to_string(),
            };
            let agree: Vec<&str> = link
                .agree
                .iter()
                .map(|f| program.features[f.0 as usize].name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "  link {} = nearest @{}.{} before {} within {window} when {} skip_unresolved {} agree [{}]",
                link.field,
                program.labels[link.target.0 as usize].name,
                link.target_field,
                rule.captures[link.anchor.0 as usize],
                link.when
                    .as_ref()
                    .map_or("-".to_string(), |w| w.display(program, &[]).to_string()),
                link.skip_unresolved,
                agree.join(", ")
            );
            // The newer options print only when set, so older snapshots keep their text.
            if !link.same.is_empty() {
                let same: Vec<&str> = link
                    .same
                    .iter()
                    .map(|f| program.features[f.0 as usize].name.as_str())
                    .collect();
                let _ = writeln!(out, "    same [{}]", same.join(", "));
            }
            if !link.shares.is_empty() {
                for group in &link.shares {
                    let shares: Vec<&str> = group
                        .iter()
                        .map(|l| program.lexicons[l.0 as usize].name.as_str())
                        .collect();
                    let _ = writeln!(out, "    shares [{}]", shares.join(", "));
                }
            }
            if link.required {
                let _ = writeln!(out, "    required");
            }
        }
        for example in &rule.examples {
            let expect = match &example.expect {
                None => "none".to_string(),
                Some(fields) => fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {v:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let _ = writeln!(
                out,
                "  example {:?} => {expect} at {}",
                example.text, example.origin
            );
        }
    }
    for (n, stage) in program.stages.iter().enumerate() {
        let names: Vec<&str> = stage
            .iter()
            .map(|r| program.rules[r.0 as usize].name.as_str())
            .collect();
        let _ = writeln!(out, "stage {n}: {}", names.join(", "));
    }
    out
}
