internal import Glibc
import GISLogInput
import GISLogSupport

/// How a fetch proves who it is.
public enum FetchCredentials: Sendable {
    /// A token the admin already has (from `--token` or a token file).
    case token(String)
    /// An administrator account; gislog asks the site for a short-lived token.
    case account(user: String, password: String)
}

/// What a finished fetch did.
public struct FetchSummary: Sendable, Equatable {
    public var pages: Int
    /// Records written: every record the site sent, once.
    public var records: Int
    /// The files written, in page order.
    public var files: [String]
    /// Records the site sent again (page boundaries, the seam with the last run) and left out.
    public var repeated = 0
    /// Records outside the asked times, left out.
    public var outside = 0
    /// Requests sent again after a timeout, a dropped connection, a 502/503/504 or a cut-off page.
    public var retries = 0
    /// Tokens asked for again after the site said the token had expired (498).
    public var tokenRenewals = 0
    /// Page files removed by `--keep`.
    public var removed = 0

    public init(pages: Int = 0, records: Int = 0, files: [String] = []) {
        self.pages = pages
        self.records = records
        self.files = files
    }

    /// Adds another site's (or run's) figures.
    public mutating func add(_ other: FetchSummary) {
        pages += other.pages
        records += other.records
        files += other.files
        repeated += other.repeated
        outside += other.outside
        retries += other.retries
        tokenRenewals += other.tokenRenewals
        removed += other.removed
    }
}

/// Pulls a site's logs through its Admin API into a folder that `gislog scan` reads: one file per page,
/// each a `logs/query` answer as the site sent it, less the records an earlier page (or run) already wrote.
///
/// Requests that fail in a way that may pass are tried again (`RetryPolicy`); with an account, a token the
/// site rejects as expired (498) mid-fetch is replaced by a new one. Tokens and passwords travel only in
/// request bodies and never appear in a file name, a message or an error.
public struct AdminLogFetcher {
    private let transport: any HTTPTransport
    private let retry: RetryPolicy
    private let pause: (Int64) -> Void

    /// - Parameters:
    ///   - retry: how often to try a request again.
    ///   - pause: waits between tries (milliseconds); tests pass one that only records.
    public init(client: any HTTPTransport, retry: RetryPolicy = RetryPolicy(),
                pause: @escaping (Int64) -> Void = sleepMilliseconds) {
        self.transport = client
        self.retry = retry
        self.pause = pause
    }

    /// Pages through `pager` and writes every page with new records into `directory` (which must exist).
    /// - Parameters:
    ///   - run: the incremental run's name, put into the file names (nil for `page-0001` names).
    ///   - progress: called after each page with the pages and records so far.
    public func fetch(_ pager: inout LogQueryPager, credentials: FetchCredentials, into directory: String,
                      run: String? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws(FetchError) -> FetchSummary {
        var session = Session(credentials: credentials)
        do {
            return try fetch(&pager, session: &session, into: directory, run: run, progress: progress)
        } catch {
            throw error.redacting(session.secrets)
        }
    }

    /// The token in use and how to get a new one.
    private struct Session {
        let credentials: FetchCredentials
        var token: String?
        var renewals = 0
        var retries = 0

        init(credentials: FetchCredentials) {
            self.credentials = credentials
            if case .token(let token) = credentials { self.token = token }
        }

        /// Everything that must not appear in a message, as typed and as form-encoded.
        var secrets: [String] {
            var values: [String] = []
            if let token { values.append(token) }
            if case .token(let given) = credentials { values.append(given) }
            if case .account(_, let password) = credentials { values.append(password) }
            return values + values.map { String(formEncoded([("", $0)]).dropFirst()) }
        }
    }

    private func fetch(_ pager: inout LogQueryPager, session: inout Session, into directory: String, run: String?,
                       progress: (Int, Int) -> Void) throws(FetchError) -> FetchSummary {
        if session.token == nil { session.token = try newToken(for: pager, session: &session) }
        var summary = FetchSummary()
        while !pager.finished {
            let page = try nextPage(&pager, session: &session)
            if page.fresh > 0 {
                let path = directory + "/" + pager.fileName(forPage: summary.files.count + 1, run: run)
                do {
                    try AtomicFile.write(bytes: page.body, to: path)
                } catch {
                    throw FetchError(kind: .output, description: "\(error.description); pick an --out folder you can write to.")
                }
                summary.files.append(path)
            }
            progress(pager.pages, pager.records)
        }
        summary.pages = pager.pages
        summary.records = pager.records
        summary.repeated = pager.repeated
        summary.outside = pager.outside
        summary.retries = session.retries
        summary.tokenRenewals = session.renewals
        return summary
    }

    /// The tries of one request so far.
    private struct Tries {
        var count = 1
        var waited: Int64 = 0
    }

    /// Pauses and counts another try, or says there are none left.
    private func again(_ tries: inout Tries, _ session: inout Session) -> Bool {
        guard tries.count < retry.attempts else { return false }
        tries.count += 1
        session.retries += 1
        let delay = retry.delay(before: tries.count)
        tries.waited += delay
        pause(delay)
        return true
    }

    /// Posts a form, trying again after timeouts, dropped connections and 502/503/504 answers. The last
    /// answer is returned whatever its status, for the caller to judge (an HTML error page is named as such).
    private func send(_ url: String, _ form: String, _ tries: inout Tries, _ session: inout Session) throws(FetchError) -> HTTPResponse {
        while true {
            let response: HTTPResponse
            do {
                response = try transport.post(url, form: form)
            } catch {
                if error.transient && again(&tries, &session) { continue }
                throw error.afterTries(tries.count, waited: tries.waited)
            }
            if RetryPolicy.isTransient(status: response.status) && again(&tries, &session) { continue }
            return response
        }
    }

    /// Asks for the pager's next page until an answer is accepted, trying again after failures that may
    /// pass (a page cut off mid-JSON among them) and renewing an expired token once per page.
    private func nextPage(_ pager: inout LogQueryPager, session: inout Session) throws(FetchError) -> LogQueryPage {
        var tries = Tries()
        var renewed = false
        while true {
            let form = formEncoded(pager.nextForm(token: session.token))
            let response = try send(pager.queryURL, form, &tries, &session)
            do {
                return try pager.accept(response.body, httpStatus: response.status)
            } catch {
                if error.kind == .truncated && again(&tries, &session) { continue }
                if error.kind == .tokenInvalid, case .account = session.credentials, !renewed {
                    // The token expired mid-fetch: ask for a new one and send the same page again.
                    renewed = true
                    session.token = try newToken(for: pager, session: &session)
                    session.renewals += 1
                    continue
                }
                throw error.afterTries(tries.count, waited: tries.waited)
            }
        }
    }

    /// A new token from the site's `generateToken`, for an account; the given token otherwise.
    private func newToken(for pager: LogQueryPager, session: inout Session) throws(FetchError) -> String {
        switch session.credentials {
        case .token(let token):
            return token
        case .account(let user, let password):
            // Server issues admin tokens itself; Portal's admin API takes tokens from the sharing API.
            let url = pager.baseURL + (pager.site == .server ? "/admin/generateToken" : "/sharing/rest/generateToken")
            let form = formEncoded([("username", user), ("password", password), ("client", "requestip"),
                                    ("expiration", "60"), ("f", "json")])
            var tries = Tries()
            let response = try send(url, form, &tries, &session)
            do {
                return try Self.token(from: response, url: url, user: user)
            } catch {
                throw error.afterTries(tries.count, waited: tries.waited)
            }
        }
    }

    /// Reads `{"token": …}` from a `generateToken` answer, or says why there is none.
    static func token(from response: HTTPResponse, url: String, user: String) throws(FetchError) -> String {
        let document: JSONValue
        do {
            document = try JSONValue.parse(response.body)
        } catch {
            throw FetchError(kind: .notJSON, description: """
                \(url) did not answer with JSON (HTTP \(response.status)): is this the site's base URL (…/arcgis)?
                """)
        }
        if let token = document["token"]?.string, !token.isEmpty { return token }
        // Server says {"status":"error","messages":[…]}; Portal says {"error":{"message":…,"details":[…]}}.
        let messages = (document["messages"]?.array ?? []).compactMap(\.string)
            + [document["error"]?["message"]?.string].compactMap { $0 }
            + (document["error"]?["details"]?.array ?? []).compactMap(\.string)
        let said = messages.isEmpty ? "" : " (\(messages.joined(separator: " ")))"
        throw FetchError(kind: .credentials, description: """
            \(url) gave no token for \(user)\(said). Check the user name and the password in GISLOG_PASSWORD; \
            the account must be a site administrator.
            """)
    }
}

extension FetchCredentials {
    /// A token kept in a file (its first line; surrounding space ignored), so it stays out of the process list.
    public static func tokenFile(_ path: String) throws(FetchError) -> FetchCredentials {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path, limit: 64 << 10)
        } catch {
            throw FetchError(kind: .credentials, description: "--token-file \(path): \(error)")
        }
        let line = bytes.split(separator: UInt8(ascii: "\n")).first ?? []
        let token = String(decoding: line, as: UTF8.self).trimmingSpace()
        guard !token.isEmpty else {
            throw FetchError(kind: .credentials, description: "--token-file \(path) is empty; put the token on its first line.")
        }
        return .token(token)
    }
}

extension AdminLogFetcher {
    /// Creates `directory` and its parents when missing.
    /// - Parameter mode: the permissions of folders created (0700 keeps a cache of logs to its owner).
    public static func prepare(directory: String, mode: UInt32 = 0o755) throws(FetchError) {
        var path = ""
        for (index, part) in directory.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            path = index == 0 ? String(part) : path + "/" + part
            if path.isEmpty || path.hasSuffix("/") { continue }
            if mkdir(path, mode_t(mode)) != 0 && errno != EEXIST {
                throw FetchError(kind: .output, description: """
                    --out \(directory): cannot create \(path): \(systemErrorText(errno)). Pick a folder you can write to.
                    """)
            }
        }
    }
}

private extension String {
    func trimmingSpace() -> String {
        let scalars = unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }
}
