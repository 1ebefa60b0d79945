import GISLogSupport

/// A file's identity by content: how many leading bytes, and their hash.
struct HeadKey: Hashable {
    var length: Int
    var hash: UInt64

    init(length: Int, hash: UInt64) {
        self.length = length
        self.hash = hash
    }

    init(_ checkpoint: FileCheckpoint) {
        self.init(length: checkpoint.headLength, hash: checkpoint.headHash)
    }

    /// Where the key lands in a `PositionTable`: the head hash (FNV-1a, whose low bits are weak) mixed
    /// with the length.
    var slotHash: Int {
        var mixed = hash ^ (UInt64(length) &* 0x9E37_79B9_7F4A_7C15)
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 31))
    }
}

/// Positions into a table the caller owns, found by a hash the caller computes and checked by a test the
/// caller gives: 4 bytes a slot, at most half full. (Dictionaries of the same keys hold every key again;
/// for a big site's 100,000 checkpoints the index's two took 10.5 MB, these take 2.)
struct PositionTable: Sendable {
    private var slots: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var size = 8
        while size < 2 * capacity { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// The first position stored under `hash` (in the order stored) for which `matches` holds.
    func first(hash: Int, where matches: (Int32) -> Bool) -> Int32? {
        var slot = hash & mask
        while case let position = slots[slot], position >= 0 {
            if matches(position) { return position }
            slot = (slot &+ 1) & mask
        }
        return nil
    }

    /// Stores `position` under `hash`, after those already stored under it. At most `capacity` positions.
    mutating func insert(_ position: Int32, hash: Int) {
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot &+ 1) & mask }
        slots[slot] = position
    }
}

/// Checkpoints of the previous run, indexed for matching by content.
///
/// Held through a whole run, for up to 250,000 files: positions are 32-bit, in tables of positions rather
/// than dictionaries, and the checkpoints that share a head are chained through one array rather than each
/// head holding an array of its own.
public struct ResumeIndex: Sendable {
    let checkpoints: [FileCheckpoint]
    /// The first checkpoint (in the state's order) with each head length and head hash.
    private let byHead: PositionTable
    /// For each checkpoint, the next one with the same head, or -1.
    private let sameHead: [Int32]
    /// Whether some checkpoint covers a head of this many bytes (index 0 … `FileCheckpoint.headLimit`).
    private let lengths: [Bool]
    /// The first checkpoint with each path (a state holds one per path).
    private let byPath: PositionTable

    public init(_ checkpoints: [FileCheckpoint]) {
        precondition(checkpoints.count < Int(Int32.max), "more checkpoints than a state keeps")
        self.checkpoints = checkpoints
        var byHead = PositionTable(capacity: checkpoints.count)
        var byPath = PositionTable(capacity: checkpoints.count)
        var sameHead = [Int32](repeating: -1, count: checkpoints.count)
        var lengths = [Bool](repeating: false, count: FileCheckpoint.headLimit + 1)
        // Where each chain of equal heads ends so far, by its first position (only heads met twice).
        var chainEnds: [Int32: Int32] = [:]
        for (position, checkpoint) in checkpoints.enumerated() {
            let here = Int32(position)
            let pathHash = checkpoint.path.hashValue
            if byPath.first(hash: pathHash, where: { checkpoints[Int($0)].path == checkpoint.path }) == nil {
                byPath.insert(here, hash: pathHash)
            }
            guard checkpoint.headLength > 0, checkpoint.headLength <= FileCheckpoint.headLimit else { continue }
            let key = HeadKey(checkpoint)
            if let first = byHead.first(hash: key.slotHash, where: { HeadKey(checkpoints[Int($0)]) == key }) {
                // Rare (copies of one file): the chain's end is looked up, kept in a small side table.
                let end = chainEnds[first] ?? first
                sameHead[Int(end)] = here
                chainEnds[first] = here
            } else {
                byHead.insert(here, hash: key.slotHash)
            }
            lengths[checkpoint.headLength] = true
        }
        self.byHead = byHead
        self.sameHead = sameHead
        self.lengths = lengths
        self.byPath = byPath
    }

    /// Whether the last run read a file at `path`.
    func hasCheckpoint(atPath path: String) -> Bool { position(atPath: path) != nil }

    /// Where in the last run's table the checkpoint of the file it read at `path` is, if it read one.
    func position(atPath path: String) -> Int32? {
        byPath.first(hash: path.hashValue) { checkpoints[Int($0)].path == path }
    }

    /// The checkpoint of the file the last run read at `path`, if any.
    func checkpoint(atPath path: String) -> FileCheckpoint? { position(atPath: path).map { checkpoints[Int($0)] } }

    /// The checkpoint of a file whose decoded content starts with `head`: one at the same path first, else
    /// the one read furthest.
    func match(head: [UInt8], path: String) -> FileCheckpoint? {
        matchPosition(head: head, path: path).map { checkpoints[Int($0)] }
    }

    /// Where `match` finds its checkpoint in the last run's table. One pass over the head: its hash
    /// (`StableHasher`, as `stableHash`) after each length some checkpoint covers is looked up — a site of
    /// 100,000 small files has thousands of head lengths.
    func matchPosition(head: [UInt8], path: String) -> Int32? {
        // Most files are where they were: the checkpoint at their path, if their head still matches it, is
        // the one the search below would pick first.
        if let position = position(atPath: path) {
            let checkpoint = checkpoints[Int(position)]
            if checkpoint.headLength > 0, checkpoint.headLength <= head.count,
               stableHashValue(head[..<checkpoint.headLength]) == checkpoint.headHash {
                return position
            }
        }
        var hits: [Int32] = []
        var hasher = StableHasher()
        for (index, byte) in head.prefix(FileCheckpoint.headLimit).enumerated() {
            hasher.add(byte)
            guard lengths[index + 1] else { continue }
            let key = HeadKey(length: index + 1, hash: hasher.value)
            if let first = byHead.first(hash: key.slotHash, where: { HeadKey(checkpoints[Int($0)]) == key }) {
                hits.append(first)
            }
        }
        // The longest heads first (they say the most), each length's in the state's order.
        var found: [Int32] = []
        for first in hits.reversed() {
            var position = first
            while position >= 0 {
                found.append(position)
                position = sameHead[Int(position)]
            }
        }
        return found.first { checkpoints[Int($0)].path == path }
            ?? found.max { checkpoints[Int($0)].offset < checkpoints[Int($1)].offset }
    }
}

/// Where a file read by an incremental run is to resume next time.
enum ResumePoint: Sendable {
    /// Where the last run left it (its checkpoint at this position of the last run's table): nothing new
    /// was read. Only the time it was seen moves on.
    case carried(Int32)
    /// A checkpoint of this run's reading.
    case read(FileCheckpoint)
}

/// Where an incremental run left every file, by the file's place in the scan. Most files of a nightly run
/// are where the last run left them: those are named by their place in the last run's table (4 bytes),
/// and only files read anew have a checkpoint of their own (96 bytes; a big site's 100,000 of them were a
/// second table held through the whole run).
public struct RunCheckpoints: Sendable {
    /// Per file: -1 for none, a position in the last run's table (carried), or `-2 - k` for `fresh[k]`.
    var slots: [Int32] = []
    /// The checkpoints of files read anew, in the order they finished.
    var fresh: [FileCheckpoint] = []

    public init() {}

    /// Every checkpoint fresh, in this order (as if no file were carried).
    public init(_ checkpoints: [FileCheckpoint]) {
        fresh = checkpoints
        slots = checkpoints.indices.map { -2 - Int32($0) }
    }

    /// - Parameter freshAtLeast: how many files at least will have a fresh checkpoint (those the last run's
    ///   table cannot all have been carried for), to size the table once: grown by doubling, a first run
    ///   over a big site held one and a half tables.
    mutating func set(_ point: ResumePoint, at file: Int, files: Int, freshAtLeast: Int = 0) {
        if slots.isEmpty {
            slots = Array(repeating: -1, count: files)
            fresh.reserveCapacity(freshAtLeast)
        }
        switch point {
        case .carried(let position):
            slots[file] = position
        case .read(let checkpoint):
            slots[file] = -2 - Int32(fresh.count)
            fresh.append(checkpoint)
        }
    }

    /// The checkpoints in the scan's order, the carried ones taken from `previous` (the last run's table)
    /// and seen at `now`.
    public func resolved(against previous: [FileCheckpoint], now: Int64) -> [FileCheckpoint] {
        slots.compactMap { slot in
            switch slot {
            case -1: return nil
            case 0...:
                var carried = previous[Int(slot)]
                carried.seen = now
                return carried
            default: return fresh[Int(-2 - slot)]
            }
        }
    }
}
