/// A forward-only stream of bytes: a file, the inflated content of a gzip file, a transcoded UTF-16 file.
///
/// Sources own their C resources and release them in `deinit`. They are used by one thread at a time.
package protocol ByteSource: AnyObject {
    /// Fills the start of `buffer` with the next bytes and returns how many were written; `0` means the end.
    ///
    /// Damage that ends the data early (a truncated gzip member, say) is not thrown: the source returns
    /// what it decoded, records a warning, and then reports the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int

    /// Bytes taken from the file on disk so far (compressed bytes for gzip).
    var storedBytesRead: Int64 { get }

    /// Passes over the next `count` bytes; returns how many there were (fewer at the end).
    func skip(_ count: Int64) throws(InputError) -> Int64

    /// Hands over the next bytes in the source's own memory instead of copying them: `carry` (bytes the
    /// caller still needs, which may lie in the previously lent block) is copied in front of them, and the
    /// result is the carried bytes followed by the new ones (none at the end), valid until the next call.
    /// At least 8 readable bytes follow the result. Returns nil when the source cannot lend now; the caller
    /// then uses `read(into:)`.
    func lend(carrying carry: UnsafeRawBufferPointer) throws(InputError) -> UnsafeRawBufferPointer?
}

extension ByteSource {
    package func lend(carrying carry: UnsafeRawBufferPointer) throws(InputError) -> UnsafeRawBufferPointer? { nil }

    /// Reads and discards (sources that can seek do better).
    package func skip(_ count: Int64) throws(InputError) -> Int64 {
        var skipped: Int64 = 0
        var scratch = [UInt8](repeating: 0, count: 64 << 10)
        while skipped < count {
            let want = Int(min(Int64(scratch.count), count - skipped))
            var outcome: Result<Int, InputError> = .success(0)
            scratch.withUnsafeMutableBytes { raw in
                outcome = Result { () throws(InputError) in try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want])) }
            }
            let got = try outcome.get()
            if got == 0 { break }
            skipped += Int64(got)
        }
        return skipped
    }

    /// Reads until `buffer` is full or the source ends; returns the number of bytes written.
    package func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }
}

/// Serves bytes that were already read to sniff the format, then the rest of the upstream source.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private var position = 0
    private let upstream: any ByteSource

    init(prefix: [UInt8], upstream: any ByteSource) {
        self.prefix = prefix
        self.upstream = upstream
    }

    var storedBytesRead: Int64 { upstream.storedBytesRead }

    func skip(_ count: Int64) throws(InputError) -> Int64 {
        var skipped: Int64 = 0
        if position < prefix.count {
            let fromPrefix = Int(min(count, Int64(prefix.count - position)))
            position += fromPrefix
            skipped = Int64(fromPrefix)
            if position == prefix.count { prefix = []; position = Int.max }
        }
        if skipped < count { skipped += try upstream.skip(count - skipped) }
        return skipped
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if position < prefix.count {
            let count = min(buffer.count, prefix.count - position)
            prefix.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + position, byteCount: count)
            }
            position += count
            if position == prefix.count { prefix = [] ; position = Int.max }
            return count
        }
        return try upstream.read(into: buffer)
    }

    func lend(carrying carry: UnsafeRawBufferPointer) throws(InputError) -> UnsafeRawBufferPointer? {
        position < prefix.count ? nil : try upstream.lend(carrying: carry)
    }
}
