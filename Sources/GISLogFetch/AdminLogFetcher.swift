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
    public var records: Int
    /// The files written, in page order.
    public var files: [String]
}

/// Pulls a site's logs through its Admin API into a folder that `gislog scan` reads: one file per page,
/// each a `logs/query` answer as the site sent it.
public struct AdminLogFetcher {
    private let client: HTTPSClient

    public init(client: HTTPSClient) {
        self.client = client
    }

    /// Pages through `pager` and writes every page into `directory` (which must exist).
    /// - Parameter progress: called after each page with the pages and records so far.
    public func fetch(_ pager: inout LogQueryPager, credentials: FetchCredentials, into directory: String,
                      progress: (Int, Int) -> Void = { _, _ in }) throws(FetchError) -> FetchSummary {
        let token = try self.token(for: pager, credentials)
        var files: [String] = []
        while !pager.finished {
            let response = try client.post(pager.queryURL, form: formEncoded(pager.nextForm(token: token)))
            _ = try pager.accept(response.body, httpStatus: response.status)
            let path = directory + "/" + pager.fileName(forPage: pager.pages)
            do {
                try AtomicFile.write(bytes: response.body, to: path)
            } catch {
                throw FetchError(kind: .output, description: "\(error.description); pick an --out folder you can write to.")
            }
            files.append(path)
            progress(pager.pages, pager.records)
        }
        return FetchSummary(pages: pager.pages, records: pager.records, files: files)
    }

    /// The token to use: the given one, or a new one from the site's `generateToken`.
    private func token(for pager: LogQueryPager, _ credentials: FetchCredentials) throws(FetchError) -> String {
        switch credentials {
        case .token(let token):
            return token
        case .account(let user, let password):
            // Server issues admin tokens itself; Portal's admin API takes tokens from the sharing API.
            let url = pager.baseURL + (pager.site == .server ? "/admin/generateToken" : "/sharing/rest/generateToken")
            let form = formEncoded([("username", user), ("password", password), ("client", "requestip"),
                                    ("expiration", "60"), ("f", "json")])
            let response = try client.post(url, form: form)
            return try Self.token(from: response, url: url, user: user)
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
    public static func prepare(directory: String) throws(FetchError) {
        var path = ""
        for (index, part) in directory.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            path = index == 0 ? String(part) : path + "/" + part
            if path.isEmpty || path.hasSuffix("/") { continue }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
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
