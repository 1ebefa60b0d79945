internal import Synchronization

/// Bytes read so far by every source of a scan, for a progress display: the sources add per buffer (one
/// relaxed atomic add per `read(2)` or inflated block, no lock, no allocation), another thread reads.
public final class ReadMeter: Sendable {
    private let stored = Atomic<Int64>(0)
    private let inflated = Atomic<Int64>(0)

    public init() {}

    /// Bytes taken from files on disk (compressed bytes for gzip), by all threads so far.
    public var storedBytes: Int64 { stored.load(ordering: .relaxed) }
    /// Bytes inflated from gzip files so far.
    public var inflatedBytes: Int64 { inflated.load(ordering: .relaxed) }

    /// Called by a file source after each read.
    @inline(__always)
    package func addStored(_ count: Int) { stored.add(Int64(count), ordering: .relaxed) }

    /// Called by the gzip source for each block it inflates.
    @inline(__always)
    package func addInflated(_ count: Int) { inflated.add(Int64(count), ordering: .relaxed) }
}
