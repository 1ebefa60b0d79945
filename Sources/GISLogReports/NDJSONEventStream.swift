public import GISLogRules
public import GISLogInput
public import GISLogSupport

/// The event lines of the NDJSON feed, written while the scan runs: each worker encodes its hits into a
/// buffer of its own and hands full buffers to an `OrderedOutput`, which puts them out in file order. Nothing
/// keeps a list of events, and the bytes are the same for any number of workers.
///
/// Order: files in the scan's order (`Discovery.files`), within a file its records in order, within a
/// record the rules in the order the engine tries them.
public final class NDJSONEventStream: Sendable {
    public let layout: NDJSONEventLayout
    public let output: OrderedOutput
    let redact: Bool
    let since: Int64?
    let until: Int64?

    /// - Parameters:
    ///   - descriptor: where the lines go.
    ///   - workers: the scan's worker threads (one sink each).
    ///   - redact: hide secrets (as the rule engine does).
    ///   - since, until: only events in this span (as `Report` keeps them).
    public init(layout: NDJSONEventLayout, descriptor: Int32, workers: Int, redact: Bool, since: Int64? = nil,
                until: Int64? = nil) {
        self.layout = layout
        self.redact = redact
        self.since = since
        self.until = until
        output = OrderedOutput(descriptor: descriptor, lanes: workers)
    }

    /// The sink of worker `worker` (below `workers`).
    public func sink(worker: Int) -> NDJSONEventSink {
        NDJSONEventSink(stream: self, lane: output.lane(worker))
    }

    /// After the scan: everything written; the `errno` of the first failed write, if any.
    public func finish() -> Int32? { output.finish() }

    func admits(_ time: Int64?) -> Bool {
        guard since != nil || until != nil else { return true }
        guard let time else { return false }
        return (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
    }
}

/// One worker's end of an `NDJSONEventStream`: an `EventSink` that encodes each hit as it comes.
public final class NDJSONEventSink: EventSink {
    let stream: NDJSONEventStream
    let lane: OrderedOutput.Lane
    let encoder: NDJSONEventEncoder
    let buffer = JSONBytes(capacity: NDJSONEventSink.flushSize + (64 << 10))
    var file = -1

    /// Bytes buffered before they go to the output.
    static let flushSize = 256 << 10

    init(stream: NDJSONEventStream, lane: OrderedOutput.Lane) {
        self.stream = stream
        self.lane = lane
        encoder = NDJSONEventEncoder(layout: stream.layout, redact: stream.redact)
    }

    public func beginFile(_ file: InputFile, index: Int) {
        precondition(index >= 0, "the NDJSON stream needs each file's index in the scan")
        self.file = index
        encoder.beginFile(file)
    }

    public func accept(_ hit: borrowing RuleHit) {
        guard stream.admits(hit.record.time) else { return }
        encoder.append(hit, to: buffer)
        if buffer.count >= Self.flushSize { flush() }
    }

    public func accept(event: Event) {
        guard stream.admits(event.time) else { return }
        encoder.append(event, to: buffer)
        if buffer.count >= Self.flushSize { flush() }
    }

    public func endFile(_ file: InputFile) {
        lane.finish(file: self.file, last: buffer.bytes)
        buffer.removeAll()
        if buffer.capacity > 4 * Self.flushSize { buffer.shrink(to: Self.flushSize + (64 << 10)) }
    }

    private func flush() {
        lane.write(buffer.bytes, file: file)
        buffer.removeAll()
    }
}
