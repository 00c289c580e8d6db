//! Warnings: declarations that work but are probably not what was meant.

use super::*;

impl Checker<'_> {
    /// A label made by one rule alone, matched by none, and spelt almost like a label that is
    /// matched or made by several rules is most likely a typo that silently splits one label in
    /// two.
    pub(super) fn report_label_typos(&mut self, lowered: &[LoweredRule]) {
        let mut referenced: HashSet<LabelId> = HashSet::new();
        let mut producers: HashMap<LabelId, usize> = HashMap::new();
        for rule in lowered {
            referenced.extend(rule.needs.iter().map(|(label, _, _)| *label));
            referenced.extend(rule.rule.links.iter().map(|link| link.target));
            *producers.entry(rule.rule.label).or_default() += 1;
        }
        // Only labels that are clearly meant (matched, or made by several rules) are compared
        // with: that finds the typo and keeps the work small however many labels there are.
        let names: Vec<(LabelId, String)> = self
            .program
            .labels
            .iter()
            .enumerate()
            .map(|(n, l)| (LabelId(n as u32), l))
            .filter(|(id, l)| {
                l.builtin.is_none()
                    && (referenced.contains(id) || producers.get(id).is_some_and(|&p| p > 1))
            })
            .map(|(id, l)| (id, l.name.clone()))
            .collect();
        if names.is_empty() {
            return;
        }
        for index in 0..self.rules.len() {
            let file = self.rules[index].file;
            let label_name = &self.rules[index].node.label;
            let Some(&label) = self.label_ids.get(&label_name.name) else {
                continue;
            };
            if producers.get(&label) != Some(&1) || referenced.contains(&label) {
                continue;
            }
            let lower = label_name.name.to_lowercase();
            let similar = names.iter().find(|(other, name)| {
                *other != label && strsim::jaro_winkler(&lower, &name.to_lowercase()) >= 0.9
            });
            if let Some((_, name)) = similar {
                self.reporter.warning(
                    codes::LONE_LABEL,
                    format!(
                        "label `{}` is made by this rule alone and matched by no rule",
                        label_name.name
                    ),
                    file,
                    label_name.span.clone(),
                    "a label of its own",
                    Some(format!("did you mean `{name}`?")),
                );
            }
        }
    }

    pub(super) fn report_unused(&mut self) {
        for index in 0..self.lexicons.len() {
            let declared = &self.lexicons[index];
            if self.lexicon_ids[index].is_none() && declared.entries.is_some() {
                let (file, span, name) = (
                    declared.file,
                    declared.name.span.clone(),
                    declared.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_LEXICON,
                    format!("lexicon `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a pattern (`[NAME]` or `NAME`), or remove it".into()),
                );
            }
        }
        for index in 0..self.patterns.len() {
            if !self.used_patterns[index] {
                let declared = &self.patterns[index];
                let (file, span, name) = (
                    declared.file,
                    declared.node.name.span.clone(),
                    declared.node.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_PATTERN,
                    format!("pattern `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a rule, or remove it".into()),
                );
            }
        }
        for index in 0..self.features.len() {
            if !self.used_features[index] {
                let declared = &self.features[index];
                let (file, span, name) = (
                    declared.file,
                    declared.node.name.span.clone(),
                    declared.node.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_FEATURE,
                    format!("feature `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a link: `where agree(NAME)`".into()),
                );
            }
        }
    }
}
