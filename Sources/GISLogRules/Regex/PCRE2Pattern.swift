internal import CPCRE2

/// A compiled PCRE2 pattern (JIT-compiled when the library supports it), shared by all scan threads.
///
/// Patterns are compiled in UTF mode with `PCRE2_MATCH_INVALID_UTF`, so log bytes that are not valid UTF-8
/// (Windows-1252 text) are matched safely, never rejected. Owns its `pcre2_code`.
// SAFETY: the compiled code and the prefilter's memory are immutable after init (freed in deinit); PCRE2
// documents pcre2_code (with its JIT code) as usable from many threads at once, each with its own match data.
public final class PCRE2Pattern: @unchecked Sendable {
    let code: OpaquePointer
    /// The pattern as written.
    public let pattern: String
    /// Named capture groups, in group-number order.
    public let groupNames: [(number: Int, name: String)]
    /// Number of capture groups (named or not).
    public let captureCount: Int
    /// Whether JIT compilation succeeded (the interpreter is 9–14× slower).
    public let isJITCompiled: Bool
    /// Texts every match contains one of, checked before the pattern runs; only for patterns without a
    /// single case-sensitive literal (which the rule gate looks for already).
    public let prefilter: PatternPrefilter?
    /// `prefilter` in plain memory (freed in deinit).
    private let compactPrefilter: PatternPrefilter.Compact?

    /// Compiles `pattern` (`pcre2_compile`, then `pcre2_jit_compile`).
    /// - Throws: `PCRE2Error` with PCRE2's message and the offset in the pattern.
    public convenience init(_ pattern: String, caseless: Bool = false) throws(PCRE2Error) {
        try self.init(pattern, caseless: caseless, prefilter: true)
    }

    /// - Parameter prefilter: derive a prefilter (tests turn it off to compare).
    init(_ pattern: String, caseless: Bool, prefilter: Bool) throws(PCRE2Error) {
        self.pattern = pattern
        self.prefilter = !prefilter || (!caseless && LiteralExtractor.requiredLiteral(in: pattern) != nil) ? nil
            : LiteralExtractor.prefilter(in: pattern, caseless: caseless)
        compactPrefilter = self.prefilter.map(PatternPrefilter.Compact.init)
        var errorCode: Int32 = 0
        var errorOffset = 0
        var options = UInt32(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
        if caseless { options |= UInt32(PCRE2_CASELESS) }
        let compiled = pattern.utf8.withContiguousStorageIfAvailable { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        } ?? {
            let bytes = Array(pattern.utf8)
            return bytes.withUnsafeBufferPointer {
                pcre2_compile_8($0.baseAddress, $0.count, options, &errorCode, &errorOffset, nil)
            }
        }()
        guard let compiled else {
            // A class whose init throws is never deinitialised: what it allocated so far is freed here.
            compactPrefilter?.free()
            throw PCRE2Error(code: errorCode, patternOffset: errorOffset)
        }
        code = compiled
        isJITCompiled = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0

        var captures: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &captures)
        captureCount = Int(captures)
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMETABLE), &table)
        var names: [(Int, String)] = []
        if let table {
            // Each entry: a 2-byte big-endian group number, then the NUL-terminated name.
            for entry in 0..<Int(count) {
                let base = table + entry * Int(entrySize)
                let number = Int(base[0]) << 8 | Int(base[1])
                let nameBytes = UnsafeBufferPointer(start: base + 2, count: Int(entrySize) - 2)
                names.append((number, String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)))
            }
        }
        groupNames = names.sorted { $0.0 < $1.0 }
    }

    deinit {
        pcre2_code_free_8(code)
        compactPrefilter?.free()
    }

    /// Whether the prefilter says no match is possible.
    @inline(__always)
    func prefilterRejects(_ subject: UnsafeRawBufferPointer) -> Bool {
        guard let compactPrefilter else { return false }
        return !compactPrefilter.mayMatch(subject)
    }
}

/// The result of one match attempt.
public enum PCRE2MatchResult: Equatable {
    case noMatch
    /// Byte ranges of group 0 and each capture group (nil when a group did not take part).
    case match([Range<Int>?])
    /// The match limit (or JIT stack) was exhausted: the rule could not decide this record.
    case limitReached
    /// Another PCRE2 error (should not happen with `PCRE2_MATCH_INVALID_UTF`).
    case failed(PCRE2Error)
}

/// Per-thread match state: match data, a match context with limits, and a JIT stack. Owns them all.
public final class PCRE2Matcher {
    private let matchData: OpaquePointer
    private let context: OpaquePointer
    private let jitStack: OpaquePointer?
    private let pairs: Int

    /// Default match limit: a pathological pattern gives up after a few milliseconds per record with JIT.
    public static let defaultMatchLimit: UInt32 = 1_000_000

    /// - Parameters:
    ///   - maxCaptures: the largest capture count of the patterns this matcher will run.
    ///   - matchLimit: `pcre2_set_match_limit`; also bounds the interpreter's depth.
    public init(maxCaptures: Int, matchLimit: UInt32 = PCRE2Matcher.defaultMatchLimit) {
        pairs = maxCaptures + 1
        matchData = pcre2_match_data_create_8(UInt32(pairs), nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, matchLimit / 10)
        pcre2_set_heap_limit_8(context, 64 * 1024)  // KiB, interpreter only
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(matchData)
    }

    /// Whether `pattern` matches anywhere in `subject`, without reading the groups.
    @inline(__always)
    public func matches(_ pattern: PCRE2Pattern, _ subject: UnsafeRawBufferPointer) -> PCRE2MatchResult {
        if pattern.prefilterRejects(subject) { return .noMatch }
        let status = run(pattern, subject)
        if status > 0 || status == 0 { return .match([]) }
        return classify(status)
    }

    /// Matches `pattern` in `subject` (from `startOffset`) and returns the byte ranges of the groups.
    public func match(_ pattern: PCRE2Pattern, _ subject: UnsafeRawBufferPointer, startOffset: Int = 0) -> PCRE2MatchResult {
        // From the start only: a lookbehind may read before a later start.
        if startOffset == 0, pattern.prefilterRejects(subject) { return .noMatch }
        let status = run(pattern, subject, startOffset: startOffset)
        guard status >= 0 else { return classify(status) }
        let vector = pcre2_get_ovector_pointer_8(matchData)!
        let groups = min(pairs, pattern.captureCount + 1)
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(groups)
        for group in 0..<groups {
            let start = vector[2 * group], end = vector[2 * group + 1]
            // An unset group holds PCRE2_UNSET (SIZE_MAX), which reads as -1 here.
            ranges.append(start >= 0 && start <= end && end <= subject.count ? start..<end : nil)
        }
        return .match(ranges)
    }

    /// A match whose group ranges were written into the caller's memory, or any other outcome.
    package enum PlacedMatch {
        /// Matched: the first `groups` entries of the buffer hold group 0 and each capture group.
        case match(groups: Int)
        /// No match, a limit, an error (never `.match`).
        case other(PCRE2MatchResult)
    }

    /// `match` from the start of `subject` without making an array: the group ranges go into `ranges`, which
    /// has room for every group of the patterns this matcher runs (`maxCaptures + 1`). For the per-record
    /// rule engine, where an array per match would be the only allocation.
    /// `prefiltered`: the caller has already found one of the prefilter's texts (or a reason it proves nothing).
    package func match(_ pattern: PCRE2Pattern, _ subject: UnsafeRawBufferPointer,
                       into ranges: UnsafeMutableBufferPointer<Range<Int>?>, prefiltered: Bool = false) -> PlacedMatch {
        if !prefiltered, pattern.prefilterRejects(subject) { return .other(.noMatch) }
        let status = run(pattern, subject)
        guard status >= 0 else { return .other(classify(status)) }
        let vector = pcre2_get_ovector_pointer_8(matchData)!
        let groups = min(pairs, pattern.captureCount + 1, ranges.count)
        for group in 0..<groups {
            let start = vector[2 * group], end = vector[2 * group + 1]
            ranges[group] = start >= 0 && start <= end && end <= subject.count ? start..<end : nil
        }
        return .match(groups: groups)
    }

    private func classify(_ status: Int32) -> PCRE2MatchResult {
        switch status {
        case PCRE2_ERROR_NOMATCH: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_JIT_STACKLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT:
            return .limitReached
        default: return .failed(PCRE2Error(code: status))
        }
    }

    @inline(__always)
    private func run(_ pattern: PCRE2Pattern, _ subject: UnsafeRawBufferPointer, startOffset: Int = 0) -> Int32 {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)
        if pattern.isJITCompiled {
            // Safe without a UTF check: the pattern was compiled with PCRE2_MATCH_INVALID_UTF.
            return pcre2_jit_match_8(pattern.code, base, subject.count, startOffset, 0, matchData, context)
        }
        return pcre2_match_8(pattern.code, base, subject.count, startOffset, 0, matchData, context)
    }
}
