//! The cascade: rules sorted so each runs after the rules whose labels it needs, in stages.

use super::*;

impl Checker<'_> {
    /// Sorts the rules so each comes after the rules whose labels it needs, keeping source order
    /// where free, groups them into stages, and reports cycles.
    pub(super) fn order_rules(&mut self, lowered: Vec<LoweredRule>) {
        let count = lowered.len();
        let mut producers: HashMap<LabelId, Vec<usize>> = HashMap::new();
        for (index, rule) in lowered.iter().enumerate() {
            producers.entry(rule.rule.label).or_default().push(index);
        }
        // needs_of[r]: the rules that must run before r, with the label and where it is named.
        let mut before: Vec<Vec<(usize, LabelId, FileId, ByteSpan)>> = vec![Vec::new(); count];
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (index, rule) in lowered.iter().enumerate() {
            for (label, file, span) in &rule.needs {
                for &producer in producers.get(label).map_or(&[][..], Vec::as_slice) {
                    before[index].push((producer, *label, *file, span.clone()));
                    after[producer].push(index);
                }
            }
        }
        let mut waiting: Vec<usize> = before.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..count)
            .filter(|&r| waiting[r] == 0)
            .map(Reverse)
            .collect();
        let mut order = Vec::with_capacity(count);
        let mut stage = vec![0usize; count];
        while let Some(Reverse(rule)) = ready.pop() {
            order.push(rule);
            for &next in &after[rule] {
                stage[next] = stage[next].max(stage[rule] + 1);
                waiting[next] -= 1;
                if waiting[next] == 0 {
                    ready.push(Reverse(next));
                }
            }
        }
        if order.len() < count {
            self.report_rule_cycles(&lowered, &before, &waiting);
        }
        let mut slots: Vec<Option<LoweredRule>> = lowered.into_iter().map(Some).collect();
        let mut stages: Vec<Vec<ir::RuleId>> = Vec::new();
        for (position, &index) in order.iter().enumerate() {
            let s = stage[index];
            if stages.len() <= s {
                stages.resize(s + 1, Vec::new());
            }
            stages[s].push(ir::RuleId(position as u32));
            if let Some(rule) = slots[index].take() {
                self.program.rules.push(rule.rule);
            }
        }
        self.program.stages = stages;
    }

    pub(super) fn report_rule_cycles(
        &mut self,
        lowered: &[LoweredRule],
        before: &[Vec<(usize, LabelId, FileId, ByteSpan)>],
        waiting: &[usize],
    ) {
        let stuck: Vec<bool> = waiting.iter().map(|&w| w > 0).collect();
        let mut reported = vec![false; lowered.len()];
        for start in 0..lowered.len() {
            if !stuck[start] || reported[start] {
                continue;
            }
            // Walk back through stuck producers until a rule repeats: that closes a cycle.
            let mut path: Vec<(usize, usize)> = Vec::new(); // (rule, index into before[rule])
            let mut seen: HashMap<usize, usize> = HashMap::new();
            let mut current = start;
            let cycle_start = loop {
                if let Some(&at) = seen.get(&current) {
                    break at;
                }
                let Some(edge) = before[current].iter().position(|(p, ..)| stuck[*p]) else {
                    break usize::MAX;
                };
                seen.insert(current, path.len());
                path.push((current, edge));
                current = before[current][edge].0;
            };
            if cycle_start == usize::MAX {
                continue;
            }
            let cycle = &path[cycle_start..];
            if cycle.iter().any(|(r, _)| reported[*r]) {
                continue;
            }
            for (r, _) in cycle {
                reported[*r] = true;
            }
            let describe = |(rule, edge): &(usize, usize)| {
                let (producer, label, _, _) = &before[*rule][*edge];
                format!(
                    "`{}` matches `@{}`, made by `{}`",
                    lowered[*rule].rule.name,
                    self.program.labels[label.0 as usize].name,
                    lowered[*producer].rule.name
                )
            };
            let (first_rule, first_edge) = cycle[0];
            let (_, _, file, span) = before[first_rule][first_edge].clone();
            let message = if cycle.len() == 1 {
                format!(
                    "rule `{}` matches `@{}`, the label it makes itself",
                    lowered[first_rule].rule.name,
                    self.program.labels[lowered[first_rule].rule.label.0 as usize].name
                )
            } else {
                format!(
                    "rules depend on each other in a cycle: {}",
                    cycle.iter().map(&describe).collect::<Vec<_>>().join("; ")
                )
            };
            let label_text = describe(&cycle[0]);
            let secondary: Vec<(FileId, ByteSpan, String)> = cycle[1..]
                .iter()
                .map(|step| {
                    let (_, _, f, s) = before[step.0][step.1].clone();
                    (f, s, describe(step))
                })
                .collect();
            let d = self.reporter.error(
                codes::RULE_CYCLE,
                message,
                file,
                span,
                label_text,
                Some("a rule runs after the rules it matches the labels of; break the cycle with a new label".into()),
            );
            for (f, s, text) in secondary {
                also(d, f, s, text);
            }
        }
    }
}
