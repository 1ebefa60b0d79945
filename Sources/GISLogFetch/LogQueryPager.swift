import GISLogSupport
import GISLogRecords

/// Which Admin API a fetch pages through.
public enum AdminSite: String, Sendable, CaseIterable {
    /// ArcGIS Server: `https://host:6443/arcgis/admin/logs/query`.
    case server
    /// Portal for ArcGIS: `https://host:7443/arcgis/portaladmin/logs/query`.
    case portal

    /// The query path below the site's base URL (`…/arcgis`).
    public var queryPath: String { self == .server ? "/admin/logs/query" : "/portaladmin/logs/query" }
}

/// What a `logs/query` response can go wrong with, worded for the admin who ran the fetch.
public struct FetchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Stable names for scripts and tests.
    public enum Kind: String, Sendable {
        case tokenInvalid = "token-invalid"
        case tokenRequired = "token-required"
        case apiError = "api-error"
        case htmlPage = "html-page"
        case truncated
        case notJSON = "not-json"
        case noProgress = "no-progress"
        case tls
        case connection
        case credentials
        case output
        case missingLibrary = "missing-library"
    }

    public let kind: Kind
    public let description: String
    /// A failure that may pass if the request is sent again (a timeout, a dropped connection).
    public var transient = false

    public init(kind: Kind, description: String, transient: Bool = false) {
        self.kind = kind
        self.description = description
        self.transient = transient
    }
}

/// One page of a `logs/query` answer, as far as paging needs it.
public struct LogQueryPage: Sendable, Equatable {
    /// Records in `logMessages`.
    public var records: Int
    /// Whether the server holds older records within the asked range.
    public var hasMore: Bool
    /// The answer's `endTime` (epoch ms).
    public var endTime: Int64?
    /// Records not fetched before: the rest repeat a millisecond already read, or lie outside the asked times.
    public var fresh = 0
    /// The page to save: the answer with only its fresh records, each exactly as sent.
    public var body: [UInt8] = []
}

/// Pages through an Admin API `logs/query` the way the API defines it: `startTime` is the *newest* time
/// and `endTime` the *oldest*; while a response says `hasMore`, the next request moves `startTime` back to
/// where the page ended. Pages ask for the 10,000-record maximum.
///
/// Exact at page boundaries: Esri documents passing the answer's `endTime` as the next `startTime`, but not
/// whether the bounds are inclusive, and a page can end part-way through a millisecond. So the next
/// `startTime` is one millisecond after the page's oldest record — an inclusive server sends that
/// millisecond again, an exclusive one sends all of it — and records already kept are recognised by their
/// `RecordKey` and left out, copy by copy. Paging never steps past a millisecond it may not have read whole.
///
/// Transport-free: it makes the form of the next request and judges each response body, so the paging and
/// every error is testable without a server.
public struct LogQueryPager: Sendable {
    /// The largest page the API serves.
    public static let maximumPageSize = 10_000

    public let site: AdminSite
    /// The site's base URL, e.g. `https://gis.example.com:6443/arcgis` (no trailing slash).
    public let baseURL: String
    /// The oldest time wanted (epoch ms).
    public let oldest: Int64
    /// The lowest level wanted. `INFO`, not the API's default `WARNING`: restarts ("Log Service started",
    /// service start bursts) are logged at INFO, and they are evidence for one of the causes.
    public let level: String
    public let pageSize: Int
    /// How far back from the newest record the kept records are remembered for the next incremental run
    /// (epoch ms span); nil when there is no next run to prepare.
    public let remember: Int64?

    /// The newest time of the next page; nil asks for "now".
    public private(set) var newest: Int64?
    public private(set) var finished = false
    public private(set) var pages = 0
    /// Records kept: each record the site sent, once.
    public private(set) var records = 0
    /// Records sent again (at a page boundary, or at the seam with an earlier run) and left out.
    public private(set) var repeated = 0
    /// Records older than `oldest` or newer than the page asked for, left out.
    public private(set) var outside = 0
    /// The newest record time seen, in this run or the earlier ones.
    public private(set) var newestRecord: Int64?
    /// Copies kept of each record, for the milliseconds that may still come again.
    public private(set) var kept: RecordTally
    /// The oldest record time of the last page: the millisecond the next page must send again.
    private var boundary: Int64?

    /// - Parameters:
    ///   - seen: records an earlier run kept at or after `oldest` (they are left out when sent again).
    ///   - newestSeen: the newest record time of the earlier runs.
    public init(site: AdminSite, baseURL: String, oldest: Int64, newest: Int64? = nil, level: String = "INFO",
                pageSize: Int = LogQueryPager.maximumPageSize, seen: RecordTally = RecordTally(),
                newestSeen: Int64? = nil, remember: Int64? = nil) {
        self.site = site
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.oldest = oldest
        self.newest = newest
        self.level = level
        self.pageSize = min(max(pageSize, 1), Self.maximumPageSize)
        self.kept = seen
        self.newestRecord = newestSeen
        self.remember = remember
    }

    /// The URL every page is posted to.
    public var queryURL: String { baseURL + site.queryPath }

    /// `host_port` of the base URL, for file names.
    var hostPart: String {
        let afterScheme = baseURL.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? "site"
        return String(afterScheme.map { $0 == ":" ? "_" : $0 })
    }

    /// The name a page is saved under in the fetch's output folder, e.g.
    /// `server-gis.example.com_6443-page-0001.json`: `gislog scan` recognises the content, and pages of
    /// different sites fetched into one folder do not overwrite each other. Incremental runs put the run's
    /// time in the name (`server-gis.example.com_6443-20261114T130000123Z-page-0001.json`), so every run
    /// adds files and none is rewritten.
    public func fileName(forPage number: Int, run: String? = nil) -> String {
        let digits = String(number)
        let stamp = run.map { "-" + $0 } ?? ""
        return "\(site.rawValue)-\(hostPart)\(stamp)-page-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits).json"
    }

    /// The form fields of the next request. The token goes in the body, never in the URL, so it stays out
    /// of proxy and web server access logs.
    public func nextForm(token: String?) -> [(String, String)] {
        var form = [("f", "json"), ("level", level), ("filterType", "json"), ("filter", "{}"),
                    ("pageSize", String(pageSize)), ("endTime", String(oldest))]
        if let newest { form.append(("startTime", String(newest))) }
        if let token { form.append(("token", token)) }
        return form
    }

    /// Judges one response body, keeps the records not kept before, and moves to the next page.
    /// - Parameter httpStatus: the HTTP status; ArcGIS usually answers 200 and puts errors in the body.
    public mutating func accept(_ body: [UInt8], httpStatus: Int = 200) throws(FetchError) -> LogQueryPage {
        let document = try Self.document(body, httpStatus: httpStatus, url: queryURL)
        if let error = document["error"] {
            throw Self.apiError(error, url: queryURL)
        }
        // Server's admin API says {"status":"error","messages":[…],"code":498} instead.
        if document["status"]?.string == "error" {
            throw Self.apiError(document, url: queryURL)
        }
        guard let messages = document["logMessages"]?.array else {
            throw FetchError(kind: .notJSON, description: """
                \(queryURL) answered JSON without "logMessages": is this the site's base URL (…/arcgis)? \
                Open \(queryURL)?f=pjson in a browser to see what it returns.
                """)
        }
        let asked = newest
        var copies: [RecordKey: Int] = [:]
        var keep = [Bool](repeating: false, count: messages.count)
        var reached: Int64?
        var fresh = 0
        for (index, message) in messages.enumerated() {
            let key = RecordKey(record: message)
            if let time = key.time {
                reached = min(reached ?? time, time)
                if time < oldest || asked.map({ time > $0 }) ?? false {
                    outside += 1
                    continue
                }
                newestRecord = max(newestRecord ?? time, time)
            }
            let count = (copies[key] ?? 0) + 1
            copies[key] = count
            if count > kept[key] {
                keep[index] = true
                fresh += 1
            } else {
                repeated += 1
            }
        }
        kept.absorb(copies)
        guard let saved = page(body, keeping: keep) else {
            throw FetchError(kind: .notJSON, description: "\(queryURL) sent a \"logMessages\" array gislog cannot split; report the response.")
        }
        let full = messages.count >= pageSize
        // Some servers leave out `hasMore` (seen in the field): a full page may have more behind it.
        let hasMore = document["hasMore"]?.bool ?? full
        let result = LogQueryPage(records: messages.count, hasMore: hasMore, endTime: document["endTime"]?.int64,
                                  fresh: fresh, body: saved)
        pages += 1
        records += fresh
        // Where this page ended: its oldest record, or the answer's endTime when it holds none.
        reached = reached ?? result.endTime
        guard hasMore else {
            finished = true
            return result
        }
        guard let reached, boundary.map({ reached < $0 }) ?? true else {
            throw noProgress(reached: reached, asked: asked, full: full, records: messages.count)
        }
        if reached < oldest {
            finished = true
            return result
        }
        boundary = reached
        newest = reached + 1
        forget()
        return result
    }

    /// Drops kept records the next pages cannot send again: those newer than the boundary millisecond and the
    /// one after it, except the ones an incremental run remembers.
    private mutating func forget() {
        guard let boundary else { return }
        let floor = remember.flatMap { span in newestRecord.map { $0 - span } }
        kept.retain { key in
            guard let time = key.time else { return true }
            return time <= boundary + 1 || floor.map { time >= $0 } ?? false
        }
    }

    private func noProgress(reached: Int64?, asked: Int64?, full: Bool, records count: Int) -> FetchError {
        let stopped = "Stopped after \(pages) page(s) and \(records) record(s) rather than loop."
        guard let reached, full else {
            return FetchError(kind: .noProgress, description: """
                \(queryURL) said hasMore but its endTime (\(reached.map(String.init) ?? "missing")) does not \
                move back from startTime \(asked.map(String.init) ?? "now"). \(stopped) Fetch a shorter range with --since.
                """)
        }
        let when = LogTime.rfc3339(utcMillis: reached, offsetSeconds: 0)
        let advice = pageSize < Self.maximumPageSize
            ? "Fetch again with a larger --page-size (at most \(Self.maximumPageSize))."
            : "More records share that millisecond than the Admin API can page through: fetch with --level WARNING " +
              "(fewer records), or read that time from the machines' log files."
        return FetchError(kind: .noProgress, description: """
            \(queryURL) sent a full page of \(count) records that reaches back only to \(when) (\(reached)), where the \
            page before ended: more records share that millisecond than one page of \(pageSize) holds. \(stopped) \
            \(advice)
            """)
    }

    /// What the next incremental run needs: where to fetch from, and the records kept at or after that time
    /// (at most `limit` keys; with more, `from` moves up to a millisecond boundary that fits).
    public func seam(limit: Int = FetchSeam.maximumKeys) -> FetchSeam {
        guard let newestRecord else { return FetchSeam(from: oldest, newest: nil, tally: RecordTally()) }
        var from = max(oldest, newestRecord - (remember ?? 0))
        var entries = kept.counts.filter { ($0.key.time ?? .min) >= from }
        if entries.count > limit {
            let times = entries.keys.compactMap(\.time).sorted(by: >)
            from = times[limit - 1] + 1
            entries = entries.filter { ($0.key.time ?? .min) >= from }
        }
        return FetchSeam(from: from, newest: newestRecord, tally: RecordTally(entries))
    }

    /// Parses the body, turning HTML pages, cut-off JSON and token statuses into their own errors.
    private static func document(_ body: [UInt8], httpStatus: Int, url: String) throws(FetchError) -> JSONValue {
        let start = body.firstIndex { !(($0 == 0x20) || ($0 == 0x0A) || ($0 == 0x0D) || ($0 == 0x09)) }
        guard let start, body[start] == UInt8(ascii: "{") || body[start] == UInt8(ascii: "[") else {
            if let status = tokenStatus(httpStatus) { throw tokenError(status, message: nil, url: url) }
            if start.map({ body[$0] == UInt8(ascii: "<") }) ?? false {
                let title = htmlTitle(body).map { " (\"\($0)\")" } ?? ""
                throw FetchError(kind: .htmlPage, description: """
                    \(url) returned an HTML page\(title), HTTP \(httpStatus), instead of JSON. A web adaptor or \
                    proxy answered, or the URL is not the admin URL: use https://host:6443/arcgis for Server \
                    and https://host:7443/arcgis for Portal, or allow admin access through the web adaptor.
                    """)
            }
            throw FetchError(kind: .notJSON, description: """
                \(url) returned \(body.isEmpty ? "an empty body" : "something that is not JSON"), HTTP \
                \(httpStatus). Check the URL and that the site is up (open it in a browser).
                """)
        }
        do {
            return try JSONValue.parse(body)
        } catch {
            if error.offset >= body.count {
                throw FetchError(kind: .truncated, description: """
                    \(url) sent JSON that ends early, at byte \(body.count) (cut off by a proxy or a timeout?). \
                    Run the fetch again; a smaller --page-size makes each answer shorter.
                    """)
            }
            throw FetchError(kind: .notJSON, description: "\(url) sent invalid JSON: \(error). Run again; if it repeats, report the response.")
        }
    }

    private static func tokenStatus(_ code: Int) -> Int? { code == 498 || code == 499 ? code : nil }

    private static func apiError(_ error: JSONValue, url: String) -> FetchError {
        let code = error["code"]?.int ?? error["code"]?.string.flatMap { Int($0) } ?? 0
        let message = error["message"]?.string
            ?? (error["messages"]?.array ?? []).compactMap(\.string).joined(separator: " ")
        if let status = tokenStatus(code) { return tokenError(status, message: message, url: url) }
        let details = (error["details"]?.array ?? []).compactMap(\.string).joined(separator: " ")
        return FetchError(kind: .apiError, description: """
            \(url) answered error \(code): \(message)\(details.isEmpty ? "" : " (\(details))"). \
            \(code == 403 ? "The account needs administrator privileges to read logs." : "Check the URL and the account.")
            """)
    }

    private static func tokenError(_ status: Int, message: String?, url: String) -> FetchError {
        let said = message.map { ": \"\($0)\"" } ?? ""
        if status == 499 {
            return FetchError(kind: .tokenRequired, description: """
                \(url) needs a token (499\(said)). Pass --token, --token-file FILE, or --user NAME with the \
                password in GISLOG_PASSWORD.
                """)
        }
        return FetchError(kind: .tokenInvalid, description: """
            \(url) rejected the token as invalid or expired (498\(said)). Get a new token, or use --user so \
            gislog asks for one; tokens are issued per site, so a Portal token does not work on Server's admin API.
            """)
    }

    /// The text of the first `<title>` element, for the error message.
    private static func htmlTitle(_ body: [UInt8]) -> String? {
        let lower = body.prefix(64 * 1024).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func find(_ needle: String, from: Int) -> Int? {
            let pattern = Array(needle.utf8)
            guard lower.count >= pattern.count, from <= lower.count - pattern.count else { return nil }
            return (from...(lower.count - pattern.count)).first { lower[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        }
        guard let open = find("<title>", from: 0), let close = find("</title>", from: open + 7) else { return nil }
        let title = String(decoding: body[(open + 7)..<close], as: UTF8.self)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return title.isEmpty ? nil : String(title.prefix(120))
    }
}

/// `application/x-www-form-urlencoded` text of form fields.
public func formEncoded(_ fields: [(String, String)]) -> String {
    let digits = Array("0123456789ABCDEF".unicodeScalars)
    func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
    return fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
}
