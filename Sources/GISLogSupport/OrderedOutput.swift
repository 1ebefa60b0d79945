internal import Glibc

/// Writes what several worker threads produce for numbered files (0, 1, 2, …) to one descriptor, in file
/// order, whatever order the workers finish in, and in bounded memory.
///
/// The file whose turn it is (the head) goes straight to the descriptor. A worker on a later file parks
/// what it has: in memory up to a shared budget, beyond it in a temporary file of its own (unlinked, in
/// `$TMPDIR`). When the head file ends, the files after it that are complete are copied out in order, and
/// the first one still being read becomes the head: its worker copies out what it parked and from then on
/// writes directly. So the bytes out are the same for any number of workers, and memory holds at most the
/// budget plus what each worker buffers.
public final class OrderedOutput: Sendable {
    let descriptor: Int32
    private let memoryBudget: Int
    private let temporaryDirectory: String
    private let state: PThreadLocked<State>

    private struct State {
        /// The lowest file not written out completely.
        var head = 0
        /// What files after the head have parked, and whether they are complete.
        var parked: [Int: Parked] = [:]
        /// Parked bytes held in memory.
        var memoryHeld = 0
        /// Per lane: its temporary file, and how many of its parked segments are not copied out yet.
        var spools: [TemporaryFile?]
        var spoolSegments: [Int]
        /// `errno` of the first failed write to the descriptor: everything after it is dropped.
        var failure: Int32?
        /// Why parking on disk failed, if it did (parked bytes then stay in memory).
        var spoolProblem: String?
    }

    private struct Parked {
        var segments: [Segment] = []
        var complete = false
    }

    private enum Segment {
        case memory([UInt8])
        case spool(TemporaryFile, lane: Int, offset: Int64, count: Int64)
    }

    /// - Parameters:
    ///   - descriptor: where the bytes go (stays open; not closed here).
    ///   - lanes: one per worker thread.
    ///   - memoryBudget: parked bytes kept in memory before temporary files are used.
    public init(descriptor: Int32, lanes: Int, memoryBudget: Int = 2 << 20,
                temporaryDirectory: String = TemporaryFile.directory) {
        self.descriptor = descriptor
        self.memoryBudget = memoryBudget
        self.temporaryDirectory = temporaryDirectory
        state = PThreadLocked(State(spools: Array(repeating: nil, count: lanes), spoolSegments: Array(repeating: 0, count: lanes)))
    }

    /// The writer for one worker thread (`number` below the `lanes` given at init). Use each from one
    /// thread only.
    public func lane(_ number: Int) -> Lane { Lane(output: self, number: number) }

    /// One worker's way in.
    public final class Lane {
        let output: OrderedOutput
        let number: Int

        init(output: OrderedOutput, number: Int) {
            self.output = output
            self.number = number
        }

        /// More bytes of file `file` (which this worker alone writes). The bytes are copied or written
        /// before this returns.
        public func write(_ bytes: UnsafeRawBufferPointer, file: Int) {
            output.write(bytes, file: file, lane: number, last: false)
        }

        /// The last bytes of file `file` (may be empty): the file is complete.
        public func finish(file: Int, last bytes: UnsafeRawBufferPointer) {
            output.write(bytes, file: file, lane: number, last: true)
        }
    }

    /// After every file is finished: writes anything still parked (in file order) and reports the first
    /// failed write to the descriptor (`errno`), if any.
    public func finish() -> Int32? {
        let left = state.withLock { state -> [Segment] in
            let files = state.parked.keys.sorted()
            let segments = files.flatMap { state.parked[$0]!.segments }
            state.parked.removeAll()
            if let last = files.last { state.head = max(state.head, last + 1) }
            return segments
        }
        drain(left)
        return state.withLock { $0.failure }
    }

    /// After `finish`: bytes that follow every file's (the feed's last lines).
    /// - Returns: `errno` of the first failed write to the descriptor, if any.
    public func writeAfterFiles(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        emit(bytes)
        return state.withLock { $0.failure }
    }

    /// Why parked bytes could not go to a temporary file (they were then kept in memory), if that happened.
    public var spoolProblem: String? { state.withLock { $0.spoolProblem } }

    // MARK: - The protocol

    private enum Turn {
        /// Write directly (after the parked segments given).
        case head([Segment])
        /// Park the bytes (emptying the lane's temporary file first, when nothing in it is waiting).
        case park(resetSpool: Bool)
        case drop
    }

    private func write(_ bytes: UnsafeRawBufferPointer, file: Int, lane: Int, last: Bool) {
        let turn = state.withLock { state -> Turn in
            if state.failure != nil { return .drop }
            if state.head == file { return .head(state.parked.removeValue(forKey: file)?.segments ?? []) }
            return .park(resetSpool: state.spoolSegments[lane] == 0 && (state.spools[lane]?.size ?? 0) > 0)
        }
        switch turn {
        case .drop:
            break
        case .head(let backlog):
            drain(backlog)
            emit(bytes)
            if last { advance(after: file) }
        case .park(let resetSpool):
            let segment = bytes.isEmpty ? nil : park(bytes, lane: lane, resetSpool: resetSpool)
            // The head may have reached this file meanwhile: then what it parked is written now.
            let backlog = state.withLock { state -> [Segment]? in
                if let segment { state.parked[file, default: Parked()].segments.append(segment) }
                guard last else { return nil }
                if state.head == file { return state.parked.removeValue(forKey: file)?.segments ?? [] }
                state.parked[file, default: Parked()].complete = true
                return nil
            }
            if let backlog {
                drain(backlog)
                advance(after: file)
            }
        }
    }

    /// `file` is written out: the files after it that are complete follow, until one that is not.
    private func advance(after file: Int) {
        var current = file
        while true {
            let next = state.withLock { state -> [Segment]? in
                state.head = current + 1
                guard let parked = state.parked[current + 1], parked.complete else { return nil }
                state.parked.removeValue(forKey: current + 1)
                return parked.segments
            }
            guard let next else { return }
            drain(next)
            current += 1
        }
    }

    private func park(_ bytes: UnsafeRawBufferPointer, lane: Int, resetSpool: Bool) -> Segment {
        let inMemory = state.withLock { state -> Bool in
            guard state.memoryHeld + bytes.count <= memoryBudget || state.spoolProblem != nil else { return false }
            state.memoryHeld += bytes.count
            return true
        }
        if inMemory { return .memory(Array(bytes)) }
        do {
            var spool = state.withLock { $0.spools[lane] }
            if spool == nil {
                let made = try TemporaryFile(directory: temporaryDirectory)
                state.withLock { $0.spools[lane] = made }
                spool = made
            } else if resetSpool {
                spool!.removeAll()
            }
            let offset = try spool!.append(bytes)
            state.withLock { $0.spoolSegments[lane] += 1 }
            return .spool(spool!, lane: lane, offset: offset, count: Int64(bytes.count))
        } catch {
            state.withLock { state in
                if state.spoolProblem == nil { state.spoolProblem = error.description }
                state.memoryHeld += bytes.count
            }
            return .memory(Array(bytes))
        }
    }

    private func drain(_ segments: [Segment]) {
        for segment in segments {
            switch segment {
            case .memory(let bytes):
                bytes.withUnsafeBytes { emit($0) }
                state.withLock { $0.memoryHeld -= bytes.count }
            case .spool(let spool, let lane, let offset, let count):
                if state.withLock({ $0.failure == nil }), let failure = spool.copy(offset: offset, count: count, to: descriptor) {
                    fail(failure)
                }
                state.withLock { $0.spoolSegments[lane] -= 1 }
            }
        }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, state.withLock({ $0.failure == nil }) else { return }
        if let failure = writeFully(descriptor, bytes) { fail(failure) }
    }

    private func fail(_ code: Int32) {
        state.withLock { state in if state.failure == nil { state.failure = code } }
    }
}
