import GISLogRules
import GISLogRecords
import GISLogInput

/// A ledger's sample event, packed for keeping: its time, its file's path (the file's own string, shared)
/// and every other field in one byte array, read back into the same event when the ledger is sealed.
///
/// A series keeps a sample per burst-gap window, up to 2,048, in every worker's ledger: on a site that
/// restarts all month, whole events (a 256-byte box, and a string for the message and each long attribute)
/// were the biggest thing a scan held. Packed, a sample is one allocation about the size of its text.
struct PackedSample: Sendable {
    let time: Int64
    let path: String
    private let bytes: [UInt8]

    /// Which optional parts follow the fixed ones, in this order.
    private struct Parts: OptionSet {
        let rawValue: UInt16
        static let code = Parts(rawValue: 1 << 0)
        static let source = Parts(rawValue: 1 << 1)
        static let process = Parts(rawValue: 1 << 2)
        static let thread = Parts(rawValue: 1 << 3)
        static let user = Parts(rawValue: 1 << 4)
        static let requestID = Parts(rawValue: 1 << 5)
        static let methodName = Parts(rawValue: 1 << 6)
        static let original = Parts(rawValue: 1 << 7)
        static let unterminated = Parts(rawValue: 1 << 8)
        /// The rule id or machine differs from its series' (kept only then: they are the series' names).
        static let ruleID = Parts(rawValue: 1 << 9)
        static let machine = Parts(rawValue: 1 << 10)
    }

    /// Packs `event` (which has a time) of a series whose rule is `ruleID` and machine `machine`.
    init(_ event: Event, ruleID: String, machine: String) {
        precondition(event.time != nil, "a packed sample has a time")
        time = event.time!
        path = event.path
        let optionals: [(Parts, String?)] = [
            (.source, event.source), (.process, event.process), (.thread, event.thread), (.user, event.user),
            (.requestID, event.requestID), (.methodName, event.methodName), (.original, event.original),
        ]
        var parts: Parts = []
        if event.code != nil { parts.insert(.code) }
        for (part, value) in optionals where value != nil { parts.insert(part) }
        if event.unterminated { parts.insert(.unterminated) }
        if event.ruleID != ruleID { parts.insert(.ruleID) }
        if event.machine != machine { parts.insert(.machine) }
        var texts: [String] = []
        if parts.contains(.ruleID) { texts.append(event.ruleID) }
        if parts.contains(.machine) { texts.append(event.machine) }
        texts.append(event.message)
        texts += optionals.compactMap(\.1)
        for field in event.fields { texts += [field.name, field.value] }
        // Sized once: grown by doubling, a sample would hold up to twice its bytes.
        let size = 2 + 5 + 8 * (parts.contains(.code) ? 3 : 2) + 4 + texts.reduce(0) { $0 + 4 + $1.utf8.count }
        var writer = Writer(capacity: size)
        writer.put(parts.rawValue)
        writer.put(UInt8(RuleCategory.allCases.firstIndex(of: event.category)!))
        writer.put(UInt8(RuleSeverity.allCases.firstIndex(of: event.severity)!))
        writer.put(UInt8(Product.allCases.firstIndex(of: event.product)!))
        writer.put(UInt8(Component.allCases.firstIndex(of: event.component)!))
        writer.put(event.level.rawValue)
        writer.put(Int64(event.line))
        writer.put(event.byteOffset)
        if let code = event.code { writer.put(Int64(code)) }
        writer.put(UInt32(event.fields.count))
        for text in texts { writer.put(text) }
        assert(writer.bytes.count == size, "the packed size was computed wrong")
        bytes = writer.bytes
    }

    /// The event again, field for field, in a series whose rule is `ruleID` and machine `machine`.
    func event(ruleID: String, machine: String) -> Event {
        var reader = Reader(bytes: bytes)
        let parts = Parts(rawValue: reader.take(UInt16.self))
        let category = RuleCategory.allCases[Int(reader.take(UInt8.self))]
        let severity = RuleSeverity.allCases[Int(reader.take(UInt8.self))]
        let product = Product.allCases[Int(reader.take(UInt8.self))]
        let component = Component.allCases[Int(reader.take(UInt8.self))]
        let level = Level(rawValue: reader.take(UInt8.self)) ?? .unknown
        let line = Int(reader.take(Int64.self))
        let byteOffset = reader.take(Int64.self)
        let code = parts.contains(.code) ? Int(reader.take(Int64.self)) : nil
        let fieldCount = Int(reader.take(UInt32.self))
        func text(_ part: Parts) -> String? { parts.contains(part) ? reader.text() : nil }
        let ownRuleID = text(.ruleID), ownMachine = text(.machine)
        let message = reader.text()
        let source = text(.source), process = text(.process), thread = text(.thread), user = text(.user)
        let requestID = text(.requestID), methodName = text(.methodName), original = text(.original)
        var fields: [EventField] = []
        fields.reserveCapacity(fieldCount)
        for _ in 0..<fieldCount { fields.append(EventField(name: reader.text(), value: reader.text())) }
        var event = Event(ruleID: ownRuleID ?? ruleID, category: category, severity: severity, time: time,
                          machine: ownMachine ?? machine, product: product, component: component, path: path, line: line,
                          byteOffset: byteOffset, level: level, code: code, source: source, process: process,
                          thread: thread, user: user, requestID: requestID, methodName: methodName, message: message,
                          fields: fields, original: original)
        if parts.contains(.unterminated) { event.unterminated = true }
        return event
    }

    private struct Writer {
        var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func put<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func put(_ text: String) {
            var text = text
            put(UInt32(text.utf8.count))
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take<Value: FixedWidthInteger>(_: Value.Type) -> Value {
            var value: Value = 0
            withUnsafeMutableBytes(of: &value) { raw in
                bytes.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + raw.count])) }
            }
            offset += MemoryLayout<Value>.size
            return Value(littleEndian: value)
        }

        mutating func text() -> String {
            let count = Int(take(UInt32.self))
            defer { offset += count }
            return bytes.withUnsafeBufferPointer { String(decoding: $0[offset..<offset + count], as: UTF8.self) }
        }
    }
}
