import GISLogRules

/// The rule engine is the scan's usual consumer: it already has `consume`, `adopt`, `beginFile` and `endFile`.
extension RuleEngine: RecordConsumer {}
