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

/// A `logs/query` answer in the shape ArcGIS Server returns.
private func page(hasMore: Bool?, startTime: Int64, endTime: Int64, records: Int) -> [UInt8] {
    let message = """
        {"type":"SEVERE","message":"The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self","time":\(endTime),"source":"Rest","machine":"GIS01.EXAMPLE.COM","user":"","code":20010,"elapsed":"","process":"4212","thread":"7","methodName":"","requestID":"r-1"}
        """
    let more = hasMore.map { "\"hasMore\": \($0), " } ?? ""
    let list = Array(repeating: message, count: records).joined(separator: ",")
    return Array("{\(more)\"startTime\": \(startTime), \"endTime\": \(endTime), \"logMessages\": [\(list)]}".utf8)
}

private func fetchError(_ pager: inout LogQueryPager, _ body: String, status: Int = 200) -> FetchError? {
    do {
        _ = try pager.accept(Array(body.utf8), httpStatus: status)
        return nil
    } catch {
        return error
    }
}

@Suite("Admin API log paging")
struct FetchTests {
    let base = "https://gis.example.com:6443/arcgis/"

    @Test func pagesFromNewestToOldestPassingEndTimeAsTheNextStartTime() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 1_000)
        #expect(pager.queryURL == "https://gis.example.com:6443/arcgis/admin/logs/query")
        let first = pager.nextForm(token: "t0k")
        #expect(first.contains { $0 == ("endTime", "1000") })
        #expect(first.contains { $0 == ("pageSize", "10000") })
        #expect(first.contains { $0 == ("level", "INFO") }, "restarts are logged at INFO")
        #expect(!first.contains { $0.0 == "startTime" }, "the first page starts at now")
        #expect(first.contains { $0 == ("token", "t0k") })

        let firstPage = try pager.accept(page(hasMore: true, startTime: 9_000, endTime: 6_000, records: 3))
        #expect((firstPage.records, firstPage.hasMore, firstPage.endTime, firstPage.fresh) == (3, true, 6_000, 3))
        // One millisecond after the page's oldest record: that millisecond is asked for again, whatever the bounds.
        #expect(pager.nextForm(token: nil).contains { $0 == ("startTime", "6001") })
        #expect(!pager.finished)
        _ = try pager.accept(page(hasMore: true, startTime: 6_000, endTime: 3_000, records: 2))
        #expect(pager.nextForm(token: nil).contains { $0 == ("startTime", "3001") })
        _ = try pager.accept(page(hasMore: false, startTime: 3_000, endTime: 1_000, records: 1))
        #expect(pager.finished)
        #expect(pager.pages == 3)
        #expect(pager.records == 6)
    }

    @Test func portalUsesPortaladminAndPageSizeIsCapped() {
        let pager = LogQueryPager(site: .portal, baseURL: "https://portal.example.com:7443/arcgis", oldest: 0, pageSize: 50_000)
        #expect(pager.queryURL == "https://portal.example.com:7443/arcgis/portaladmin/logs/query")
        #expect(pager.pageSize == 10_000)
    }

    @Test func aMissingHasMoreEndsThePaging() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        #expect(try pager.accept(page(hasMore: nil, startTime: 5, endTime: 2, records: 1)).hasMore == false)
        #expect(pager.finished)
    }

    @Test func hasMoreWithoutProgressStopsInsteadOfLooping() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        _ = try pager.accept(page(hasMore: true, startTime: 9_000, endTime: 5_000, records: 1))
        let error = fetchError(&pager, String(decoding: page(hasMore: true, startTime: 5_000, endTime: 5_000, records: 1), as: UTF8.self))
        #expect(error?.kind == .noProgress)
        // The second page only repeats the first one's record.
        #expect(error?.description.contains("Stopped after 2 page(s) and 1 record(s)") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("Fetch a shorter range with --since") == true)
    }

    @Test func anEndTimeOlderThanAskedFinishes() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 4_000)
        _ = try pager.accept(page(hasMore: true, startTime: 9_000, endTime: 3_000, records: 1))
        #expect(pager.finished)
    }

    @Test("Token errors in the body or the status say what to do", arguments: [
        (#"{"error":{"code":498,"message":"Invalid token.","details":[]}}"#, 200, FetchError.Kind.tokenInvalid, "Get a new token"),
        (#"{"error":{"code":499,"message":"Token Required","details":[]}}"#, 200, .tokenRequired, "GISLOG_PASSWORD"),
        ("", 498, .tokenInvalid, "expired"),
        (#"{"error":{"code":403,"message":"You do not have permissions to access this resource or perform this operation.","details":[]}}"#, 200, .apiError, "administrator privileges"),
        // Server's admin API words its errors this way.
        (#"{"status":"error","messages":["Invalid token, ClientID does not match."],"code":498}"#, 200, .tokenInvalid, "ClientID does not match"),
        (#"{"status":"error","messages":["Unauthorized access. Token not found."],"code":499}"#, 200, .tokenRequired, "Token not found"),
    ])
    func tokenAndAPIErrors(body: String, status: Int, kind: FetchError.Kind, advice: String) {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        let error = fetchError(&pager, body, status: status)
        #expect(error?.kind == kind)
        #expect(error?.description.contains(advice) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("https://gis.example.com:6443/arcgis/admin/logs/query") == true)
    }

    @Test func anHTMLErrorPageIsNamedWithItsTitle() {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        let html = "\n<!DOCTYPE html><HTML><Head><TITLE>\n 502 Bad   Gateway </TITLE></head><body>nginx</body></html>"
        let error = fetchError(&pager, html, status: 502)
        #expect(error?.kind == .htmlPage)
        #expect(error?.description.contains("(\"502 Bad Gateway\"), HTTP 502") == true, "\(error?.description ?? "")")
    }

    @Test func truncatedJSONIsReportedAsCutOff() {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        let whole = String(decoding: page(hasMore: true, startTime: 9, endTime: 5, records: 4), as: UTF8.self)
        let error = fetchError(&pager, String(whole.prefix(whole.count - 40)))
        #expect(error?.kind == .truncated)
        #expect(error?.description.contains("--page-size") == true)
        #expect(pager.pages == 0)
    }

    @Test func otherAnswersAreNotJSONErrors() {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        #expect(fetchError(&pager, "")?.kind == .notJSON)
        #expect(fetchError(&pager, #"{"status":"success"}"#)?.description.contains("without \"logMessages\"") == true)
        #expect(fetchError(&pager, #"{"logMessages": [} "#)?.kind == .notJSON)
    }

    @Test func savedPagesAreReadAsAdminJSONRecords() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0)
        let body = page(hasMore: false, startTime: 1_763_114_400_000, endTime: 1_763_110_800_000, records: 3)
        #expect(try pager.accept(body).records == 3)
        let name = pager.fileName(forPage: pager.pages)
        #expect(name == "server-gis.example.com_6443-page-0001.json")
        let (records, outcome) = read(bytes: body, name: name)
        #expect(outcome.coverage.format == .adminJSON)
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0.code == 20010 && $0.time == 1_763_110_800_000 })
    }

    @Test func formEncodingEscapesTokensAndFilters() {
        #expect(formEncoded([("filter", #"{"codes": [12045]}"#), ("token", "a+b/c=d~_.-")])
                == "filter=%7B%22codes%22%3A+%5B12045%5D%7D&token=a%2Bb%2Fc%3Dd~_.-")
    }
}
