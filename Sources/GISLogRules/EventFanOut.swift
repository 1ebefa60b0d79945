public import GISLogInput

/// Hands every hit and event to two sinks in turn: the scan's correlation input and the NDJSON feed, say,
/// so that neither depends on the other.
public final class EventFanOut: EventSink {
    public let first: any EventSink
    public let second: any EventSink

    public init(_ first: any EventSink, _ second: any EventSink) {
        self.first = first
        self.second = second
    }

    public func accept(_ hit: borrowing RuleHit) {
        first.accept(hit)
        second.accept(hit)
    }

    public func accept(event: Event) {
        first.accept(event: event)
        second.accept(event: event)
    }

    public func beginFile(_ file: InputFile, index: Int) {
        first.beginFile(file, index: index)
        second.beginFile(file, index: index)
    }

    public func endFile(_ file: InputFile) {
        first.endFile(file)
        second.endFile(file)
    }
}

extension RuleHit {
    /// Byte ranges in `subject` of group 0 and every capture group (nil: the group took no part).
    package var groupRanges: [Range<Int>?] { Array(groups) }

    /// The group ranges where the engine wrote them (valid while the hit is).
    package var groupBuffer: UnsafeBufferPointer<Range<Int>?> { groups }

    /// The text the pattern ran on (the record's raw message).
    package var subject: UnsafeRawBufferPointer { text }
}

extension CompiledRule {
    /// The pattern's named groups, by group number.
    package var groupNames: [(number: Int, name: String)] { namedGroups }
}
