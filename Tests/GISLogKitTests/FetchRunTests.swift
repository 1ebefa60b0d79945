import Foundation
import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit

/// An in-memory transport: a model site for `logs/query`, tokens for `generateToken`, and a script of
/// failures to inject, one per request.
final class ScriptedTransport: HTTPTransport {
    enum Step {
        case status(Int, String)
        case failure(FetchError)
    }

    let site: ModelSite
    /// Answers to send instead of the site's, in order, one per request (nil: the site answers).
    var script: [Step?] = []
    /// Tokens the site accepts; `generateToken` issues `token-N`.
    var validTokens: Set<String> = []
    var issued = 0
    var requests: [(url: String, form: String)] = []

    init(site: ModelSite) { self.site = site }

    func post(_ url: String, form: String) throws(FetchError) -> HTTPResponse {
        requests.append((url, form))
        let fields = form.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        if !script.isEmpty, let step = script.removeFirst() {
            switch step {
            case .status(let status, let body): return HTTPResponse(status: status, body: Array(body.utf8))
            case .failure(let error): throw error
            }
        }
        if url.hasSuffix("/generateToken") {
            issued += 1
            validTokens.insert("token-\(issued)")
            return HTTPResponse(status: 200, body: Array(#"{"token":"token-\#(issued)","expires":1}"#.utf8))
        }
        let token = fields.first { $0.0 == "token" }?.1 ?? ""
        guard validTokens.contains(token) else {
            return HTTPResponse(status: 200, body: Array(#"{"status":"error","messages":["Invalid token."],"code":498}"#.utf8))
        }
        return HTTPResponse(status: 200, body: site.answer(fields))
    }
}

@Suite("Fetch runs: retries, tokens, state and locks")
struct FetchRunTests {
    let base = "https://gis.example.com:6443/arcgis"

    func site(_ count: Int = 300) -> ModelSite {
        let site = ModelSite(inclusive: true)
        var random = SeededGenerator(seed: 5)
        site.add(count: count, newest: 1_763_121_600_000, burst: 3, random: &random, tag: "r")
        return site
    }

    func pager(_ pageSize: Int = 50) -> LogQueryPager {
        LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: pageSize)
    }

    @Test func a503OnOnePageIsTriedAgainAfterAPause() throws {
        let transport = ScriptedTransport(site: site())
        transport.validTokens = ["given"]
        transport.script = [nil, .status(503, "<html><title>503 Service Unavailable</title></html>"),
                            .failure(FetchError(kind: .connection, description: "x: Operation timed out", transient: true))]
        var pauses: [Int64] = []
        let fetcher = AdminLogFetcher(client: transport, retry: RetryPolicy(retries: 3)) { pauses.append($0) }
        let folder = TemporaryDirectory()
        var pager = pager()
        let summary = try fetcher.fetch(&pager, credentials: .token("given"), into: folder.path)
        #expect(summary.records == 300)
        #expect(summary.retries == 2)
        #expect(pauses == [1_000, 2_000], "pauses double")
        let written = try summary.files.flatMap { savedRecords(Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }
        #expect(counted(written) == counted(transport.site.records.map(\.json)))
    }

    @Test func afterTheLastTryTheErrorNamesTheURL() throws {
        let transport = ScriptedTransport(site: site())
        transport.validTokens = ["given"]
        transport.script = Array(repeating: .status(502, "<html><head><title>502 Bad Gateway</title></head></html>"), count: 3)
        var pauses: [Int64] = []
        let fetcher = AdminLogFetcher(client: transport, retry: RetryPolicy(retries: 2)) { pauses.append($0) }
        var pager = pager()
        do {
            _ = try fetcher.fetch(&pager, credentials: .token("given"), into: TemporaryDirectory().path)
            Issue.record("three 502 answers with two retries must fail")
        } catch {
            #expect(error.kind == .htmlPage)
            #expect(error.description.contains("https://gis.example.com:6443/arcgis/admin/logs/query returned an HTML page (\"502 Bad Gateway\")"))
            #expect(error.description.contains("tried 3 times over 3 s"), "\(error.description)")
        }
        #expect(transport.requests.count == 3)
        #expect(pauses == [1_000, 2_000])
    }

    @Test func aCutOffPageIsFetchedAgain() throws {
        let transport = ScriptedTransport(site: site(30))
        transport.validTokens = ["given"]
        transport.script = [.status(200, #"{"hasMore": true, "logMessages": [{"time": 1, "mess"#)]
        let fetcher = AdminLogFetcher(client: transport, retry: RetryPolicy(retries: 1)) { _ in }
        var pager = pager()
        let folder = TemporaryDirectory()
        let summary = try fetcher.fetch(&pager, credentials: .token("given"), into: folder.path)
        #expect(summary.records == 30)
        #expect(summary.retries == 1)
    }

    @Test func aNameThatDoesNotResolveIsNotTriedAgain() throws {
        let transport = ScriptedTransport(site: site())
        transport.script = [.failure(FetchError(kind: .connection, description: "https://nowhere: Could not resolve host"))]
        let fetcher = AdminLogFetcher(client: transport) { _ in Issue.record("no pause for a permanent failure") }
        var pager = pager()
        #expect(throws: FetchError.self) { try fetcher.fetch(&pager, credentials: .token("t"), into: "/tmp") }
        #expect(transport.requests.count == 1)
    }

    @Test func aTokenThatExpiresMidFetchIsRenewedWithAnAccount() throws {
        let transport = ScriptedTransport(site: site())
        let fetcher = AdminLogFetcher(client: transport) { _ in }
        var pager = pager()
        // After the third page the site forgets the first token.
        var answered = 0
        let folder = TemporaryDirectory()
        let summary = try fetcher.fetch(&pager, credentials: .account(user: "admin", password: "pw-secret"), into: folder.path) { pages, _ in
            answered = pages
            if pages == 3 { transport.validTokens.remove("token-1") }
        }
        #expect(answered == pager.pages)
        #expect(summary.tokenRenewals == 1)
        #expect(summary.records == 300)
        #expect(transport.requests.filter { $0.url.hasSuffix("/admin/generateToken") }.count == 2)
        #expect(transport.requests.allSatisfy { !$0.url.contains("token") || $0.url.hasSuffix("/generateToken") },
                "the token travels in the body")
        #expect(transport.requests.filter { $0.url.hasSuffix("/logs/query") }.suffix(3).allSatisfy { $0.form.contains("token=token-2") })
    }

    @Test func aGivenTokenThatExpiresEndsTheFetchWithAdvice() throws {
        let transport = ScriptedTransport(site: site())
        let fetcher = AdminLogFetcher(client: transport) { _ in }
        var pager = pager()
        do {
            _ = try fetcher.fetch(&pager, credentials: .token("given"), into: TemporaryDirectory().path)
            Issue.record("a rejected token must end the fetch")
        } catch {
            #expect(error.kind == .tokenInvalid)
            #expect(error.description.contains("use --user so gislog asks for one"))
        }
    }

    @Test func secretsNeverAppearInErrors() throws {
        let token = "tok+en/with=odd&chars-123456"
        let transport = ScriptedTransport(site: site())
        // A site (or proxy) that echoes the request back in its error.
        transport.script = [.status(200, #"{"error":{"code":500,"message":"bad request token=\#(formEncoded([("", token)]).dropFirst()) and \#(token) and password pw-secret","details":[]}}"#)]
        let fetcher = AdminLogFetcher(client: transport) { _ in }
        var pager = pager()
        do {
            _ = try fetcher.fetch(&pager, credentials: .token(token), into: TemporaryDirectory().path)
            Issue.record("an error answer must end the fetch")
        } catch {
            #expect(!error.description.contains(token))
            #expect(!error.description.contains(String(formEncoded([("", token)]).dropFirst())))
            #expect(error.description.contains("[REDACTED]"))
        }
        let account = ScriptedTransport(site: site())
        account.script = [.status(200, #"{"status":"error","messages":["no user admin with password pw-secret"],"code":400}"#)]
        var other = self.pager()
        do {
            _ = try AdminLogFetcher(client: account) { _ in }
                .fetch(&other, credentials: .account(user: "admin", password: "pw-secret"), into: "/tmp")
            Issue.record("no token, no fetch")
        } catch {
            #expect(!error.description.contains("pw-secret"))
            #expect(error.description.contains("gave no token for admin"))
        }
    }

    @Test func retryPausesDoubleUpToTheLimit() {
        let policy = RetryPolicy(retries: 8, firstDelay: 1_000, maximumDelay: 30_000)
        #expect(policy.attempts == 9)
        #expect((2...9).map(policy.delay(before:)) == [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
        #expect(RetryPolicy(retries: 0).attempts == 1)
        #expect([502, 503, 504].allSatisfy(RetryPolicy.isTransient(status:)))
        #expect(![200, 404, 498, 500].contains(where: RetryPolicy.isTransient(status:)))
    }

    // MARK: - Incremental runs

    func plan(_ folder: TemporaryDirectory, pageSize: Int = 40) -> IncrementalFetch {
        IncrementalFetch(targets: [.init(site: .server, url: base)], folder: folder.path,
                         statePath: folder.path + "/fetch.state", since: 0, overlap: 60_000, pageSize: pageSize)
    }

    func written(_ folder: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter(IncrementalFetch.isPageName)
            .flatMap { savedRecords(Array(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/" + $0)))) }
    }

    @Test func twoRunsWriteEveryRecordOnceAndTheStateSaysWhereTheyEnded() throws {
        let folder = TemporaryDirectory()
        let transport = ScriptedTransport(site: site())
        transport.validTokens = ["t"]
        let fetcher = AdminLogFetcher(client: transport) { _ in }
        let first = try plan(folder).run(fetcher: fetcher, credentials: .token("t"), now: 0)
        #expect(first.records == 300)
        let state = try FetchState.load(path: folder.path + "/fetch.state")
        let seam = try #require(state.seam(.server, url: base + "/"))
        #expect(seam.newest == 1_763_121_600_000)
        #expect(seam.from == 1_763_121_600_000 - 60_000)
        #expect(state.run != nil)
        #expect(try FetchState.load(path: folder.path + "/fetch.state") == state, "the state reads back as written")

        var random = SeededGenerator(seed: 77)
        transport.site.add(count: 120, newest: 1_763_121_700_000, burst: 4, random: &random, tag: "later")
        transport.site.add(count: 4, newest: 1_763_121_600_000, burst: 2, random: &random, tag: "late")
        let second = try plan(folder).run(fetcher: fetcher, credentials: .token("t"), now: 0)
        #expect(second.records == 124)
        #expect(counted(try written(folder)) == counted(transport.site.records.map(\.json)))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: folder.path)).contains { $0.hasPrefix(".gislog-fetch-") })
    }

    @Test func aFailedRunAddsNothingAndLeavesTheState() throws {
        let folder = TemporaryDirectory()
        let transport = ScriptedTransport(site: site())
        transport.validTokens = ["t"]
        let fetcher = AdminLogFetcher(client: transport, retry: RetryPolicy(retries: 0)) { _ in }
        _ = try plan(folder).run(fetcher: fetcher, credentials: .token("t"), now: 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/fetch.state"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()

        var random = SeededGenerator(seed: 78)
        transport.site.add(count: 200, newest: 1_763_121_900_000, burst: 2, random: &random, tag: "more")
        transport.script = [nil, nil, .status(503, "busy")]  // the third page fails for good
        #expect(throws: FetchError.self) { try plan(folder).run(fetcher: fetcher, credentials: .token("t"), now: 0) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/fetch.state")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == files, "no page, no staging folder")

        _ = try plan(folder).run(fetcher: fetcher, credentials: .token("t"), now: 0)
        #expect(counted(try written(folder)) == counted(transport.site.records.map(\.json)))
    }

    @Test func aKilledRunIsRolledBackOrForward() throws {
        let folder = TemporaryDirectory()
        // Killed before its state was saved: its staging folder is removed.
        folder.write(".gislog-fetch-20261114T130000000Z/server-x-20261114T130000000Z-page-0001.json", "{}")
        // Killed after: its pages are moved into place.
        folder.write(".gislog-fetch-20261114T140000000Z/server-x-20261114T140000000Z-page-0001.json", "{}")
        try IncrementalFetch.recover(folder: folder.path, committed: "20261114T140000000Z")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["server-x-20261114T140000000Z-page-0001.json"])
    }

    @Test func keepRemovesOnlyOldPageFiles() throws {
        let folder = TemporaryDirectory()
        let old = folder.write("server-gis_6443-page-0001.json", "{}")
        folder.write("server-gis_6443-20261114T130000000Z-page-0002.json", "{}")
        let notes = folder.write("notes.json", "{}")
        let day: TimeInterval = 86_400
        for path in [old, notes] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-20 * day)], ofItemAtPath: path)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(IncrementalFetch.removePages(in: folder.path, olderThan: now - 14 * 86_400_000) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["notes.json", "server-gis_6443-20261114T130000000Z-page-0002.json"])
    }

    @Test func aCorruptOrForeignStateIsRefusedWithAReason() throws {
        let folder = TemporaryDirectory()
        let corrupt = folder.write("corrupt", "{\"gislog_fetch_state\":1,\"sites\":[")
        let foreign = folder.write("foreign", "{\"gislog_state\":1}")
        let newer = folder.write("newer", "{\"gislog_fetch_state\":99}")
        for (path, words) in [(corrupt, "is corrupt"), (foreign, "not a gislog fetch state file"), (newer, "newer gislog")] {
            #expect(throws: FetchState.LoadError.self) { try FetchState.load(path: path) }
            do { _ = try FetchState.load(path: path) } catch { #expect(error.description.contains(words) && error.description.contains(path)) }
        }
        #expect(try FetchState.load(path: folder.path + "/missing") == FetchState())
    }
}
