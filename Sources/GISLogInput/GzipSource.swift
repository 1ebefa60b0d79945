internal import CGISLogShims
internal import CZlib
public import GISLogSupport

/// The inflated content of a gzip file, decoded in-process with zlib.
///
/// Reads every member of a multi-member file (what `cat a.gz b.gz` makes). Damage never throws: a truncated
/// or corrupt stream yields everything decoded up to the damage and a warning with the compressed offset;
/// bytes after the last member that are not another member are ignored with a warning, as gzip(1) does.
///
/// Each member's CRC-32 and length are checked here rather than by zlib: zlib's CRC was a fifth of the time
/// spent inflating, and folding it with carry-less multiplication is more than twice as fast.
package final class GzipSource: ByteSource {
    private let upstream: any ByteSource
    private let warnings: WarningLog
    private let limit: Int64
    /// zlib keeps a pointer back to the stream and checks it on every call, so it must never move (heap).
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    /// Compressed offset of `input[0]` in the file.
    private var inputBase: Int64 = 0
    private var inputFill = 0
    private var upstreamEnded = false
    private var finished = false
    /// Whether the current member has produced its header yet (used to tell "truncated" from "no data").
    private var memberBytesIn: Int64 = 0
    /// CRC-32 and length (modulo 2^32) of what the current member inflated so far, for its trailer.
    private var memberCRC: UInt32 = 0
    private var memberLength: UInt32 = 0
    /// The last input bytes before `input[0]`: a member's trailer may straddle a refill.
    private var consumedTail: [UInt8] = []
    private(set) var decodedBytes: Int64 = 0
    /// Where each inflated block is counted as it is produced, for a progress display.
    private let meter: ReadMeter?

    package var storedBytesRead: Int64 { upstream.storedBytesRead }

    /// - Parameters:
    ///   - upstream: the compressed bytes, starting with the gzip magic.
    ///   - warnings: where damage is reported.
    ///   - limit: stop with a warning after this many decompressed bytes (a defence against gzip bombs).
    ///   - meter: counts the inflated bytes as they come out.
    package init(upstream: any ByteSource, warnings: WarningLog, limit: Int64 = .max, inputCapacity: Int = 256 << 10,
                 meter: ReadMeter? = nil) {
        self.upstream = upstream
        self.meter = meter
        self.warnings = warnings
        self.limit = limit
        // At least a gzip magic's worth: looking for the next member needs two bytes in the buffer.
        input = .allocate(byteCount: max(inputCapacity, 16), alignment: 16)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: gzip framing only, largest window (inflateInit2).
        if gislog_inflateInit2(stream, 15 + 16) != Z_OK {
            finished = true
            warnings.add(.corruptGzip, "zlib could not start (out of memory?)", hint: "run the scan again")
        } else {
            inflateValidate(stream, 0)  // the trailer is checked by `memberEnds`
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    private var compressedOffset: Int64 { inputBase + Int64(inputFill - Int(stream.pointee.avail_in)) }

    /// Moves unread input to the front and reads more behind it; returns false at the end of the file.
    private func refill() throws(InputError) -> Bool {
        if upstreamEnded { return false }
        let unread = Int(stream.pointee.avail_in)
        let consumed = inputFill - unread
        consumedTail = Array((consumedTail + input[max(0, consumed - 8)..<consumed]).suffix(8))
        if unread > 0 && consumed > 0 {
            input.baseAddress!.copyMemory(from: input.baseAddress! + consumed, byteCount: unread)
        }
        inputBase += Int64(consumed)
        inputFill = unread
        let count = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: input[inputFill...]))
        if count == 0 { upstreamEnded = true }
        inputFill += count
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = UInt32(inputFill)
        return count > 0
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let room = Int(min(Int64(buffer.count), max(0, limit - decodedBytes)))
        if room == 0 {
            finished = true
            if try outputBeyondLimit() {
                warnings.add(.decompressionLimit, at: .compressedOffset(compressedOffset),
                             "stopped after \(limit) decompressed bytes",
                             hint: "raise --max-decompressed if this really is a log")
            }
            return 0
        }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(room)
        while true {
            if stream.pointee.avail_in == 0, try !refill() {
                let produced = room - Int(stream.pointee.avail_out)
                if produced == 0 {
                    finished = true
                    if memberBytesIn > 0 {
                        warnings.add(.truncatedGzip, at: .compressedOffset(compressedOffset),
                                     "gzip data ends in the middle of a member; kept what was decoded before it",
                                     hint: "the file was probably cut off while being copied or rotated")
                    }
                }
                return deliver(produced)
            }
            let before = stream.pointee.avail_in
            let outStart = stream.pointee.next_out!
            let status = inflate(stream, Z_NO_FLUSH)
            memberBytesIn += Int64(before - stream.pointee.avail_in)
            addToCheck(outStart, outStart.distance(to: stream.pointee.next_out!))
            let produced = room - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                break
            case Z_BUF_ERROR where stream.pointee.avail_in == 0 || produced > 0:
                // zlib wants more input; the top of the loop reads it (or reports the truncation).
                break
            case Z_STREAM_END:
                memberBytesIn = 0
                if let problem = trailerProblem() {
                    finished = true
                    warnCorrupt(problem)
                    return deliver(produced)
                }
                try startNextMember()
            default:
                finished = true
                warnCorrupt(stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                return deliver(produced)
            }
            if produced > 0 || finished { return deliver(produced) }
        }
    }

    /// At the limit: whether the stream holds more (a byte comes out), or ends right there (a file exactly as
    /// long as the limit is not cut). Another member after the end counts as more.
    private func outputBeyondLimit() throws(InputError) -> Bool {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        defer { byte.deallocate() }
        while true {
            stream.pointee.next_out = byte
            stream.pointee.avail_out = 1
            if stream.pointee.avail_in == 0, try !refill() { return false }
            let status = inflate(stream, Z_NO_FLUSH)
            if stream.pointee.avail_out == 0 { return true }
            switch status {
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                continue
            case Z_STREAM_END:
                if let problem = trailerProblem() {
                    warnCorrupt(problem)
                    return false
                }
                while Int(stream.pointee.avail_in) < 2 { if try !refill() { break } }
                guard stream.pointee.avail_in >= 2, let next = stream.pointee.next_in else { return false }
                return next[0] == 0x1f && next[1] == 0x8b
            default:
                return true  // damage past the limit: the limit is what stopped the reading
            }
        }
    }

    private func warnCorrupt(_ detail: String) {
        warnings.add(.corruptGzip, at: .compressedOffset(compressedOffset),
                     "gzip data is corrupt (\(detail)); kept what was decoded before it",
                     hint: "check the file with `gzip -t`; recompress it from the original if you have one")
    }

    /// Adds inflated bytes to the current member's CRC and length.
    private func addToCheck(_ start: UnsafeMutablePointer<UInt8>, _ count: Int) {
        guard count > 0 else { return }
        var crc = memberCRC
        let folded = gislog_crc32_fold(&crc, start, count)
        if folded < count { crc = UInt32(truncatingIfNeeded: crc32_z(UInt(crc), start + folded, count - folded)) }
        memberCRC = crc
        memberLength &+= UInt32(truncatingIfNeeded: count)
    }

    /// At the end of a member: zlib has just consumed its trailer (CRC-32, then length, little-endian), the
    /// eight bytes before `next_in`. Returns what does not match, and starts the next member's check.
    private func trailerProblem() -> String? {
        let consumedNow = input.baseAddress!.assumingMemoryBound(to: UInt8.self).distance(to: stream.pointee.next_in)
        let trailer = Array((consumedTail + input[0..<consumedNow]).suffix(8))
        defer { memberCRC = 0; memberLength = 0 }
        guard trailer.count == 8 else { return "its trailer is missing" }
        func word(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(trailer[at + $1]) << (8 * $1) } }
        if word(0) != memberCRC { return "incorrect data check" }
        if word(4) != memberLength { return "incorrect length check" }
        return nil
    }

    private func deliver(_ count: Int) -> Int {
        decodedBytes += Int64(count)
        meter?.addInflated(count)
        return count
    }

    /// After the end of a member: another member starts (gzip magic), the file ends, or garbage follows.
    private func startNextMember() throws(InputError) {
        while Int(stream.pointee.avail_in) < 2 {
            if try !refill() { break }
        }
        let available = Int(stream.pointee.avail_in)
        if available == 0 {
            finished = true
            return
        }
        let next = stream.pointee.next_in!
        if available >= 2 && next[0] == 0x1f && next[1] == 0x8b {
            inflateReset(stream)
            inflateValidate(stream, 0)
            return
        }
        let offset = compressedOffset
        finished = true
        warnings.add(.trailingGarbage, at: .compressedOffset(offset),
                     "bytes after the last gzip member are not gzip data; ignored them",
                     hint: "harmless if the file was padded; otherwise it may be two files glued together")
    }
}
