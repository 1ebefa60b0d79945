import Foundation
import Testing

/// Renders Markdown with GitHub's renderer (`cmark-gfm`, with tables and autolinks), or nil without it.
private func renderGFM(_ markdown: String) throws -> String? {
    guard let path = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"].first(where: FileManager.default.isExecutableFile)
    else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let feeder = Thread { input.fileHandleForWriting.write(Data(markdown.utf8)); try? input.fileHandleForWriting.close() }
    feeder.start()
    let html = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: html, as: UTF8.self)
}

@Suite("Markdown reports read as plain text and render as Markdown", .serialized)
struct MarkdownTests {
    @Test func theSampleReadsAsPlainText() throws {
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "markdown", "Samples/basic"])
        #expect(run.status == 1)
        try expectGolden(run.stdout, "basic.md")
        // What a mail reader sees: names and URLs as written, not `GIS\-PORTAL01\.CONTOSO\.LOCAL`.
        #expect(!run.stdout.contains("\\."))
        #expect(!run.stdout.contains("\\-"))
        #expect(run.stdout.contains("failures on `GIS-SERVER01.CONTOSO.LOCAL` calling `gis-portal01.contoso.local:7443`"))
        #expect(run.stdout.contains("   - `GIS-PORTAL01.CONTOSO.LOCAL`: <https://gis-portal01.contoso.local:7443/arcgis/portaladmin/healthCheck>"))
        #expect(run.stdout.contains("`Samples/basic/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/server-20261114.061502-4212-0.0.log:413`"))
        #expect(run.stdout.contains("| `GIS-SERVER01.CONTOSO.LOCAL` |"))
    }

    @Test func theSampleRendersWithLinksAndCode() throws {
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "markdown", "Samples/basic"])
        guard let html = try renderGFM(run.stdout) else {
            print("skipped: cmark-gfm is not installed (apt-get install cmark-gfm)")
            return
        }
        #expect(html.contains("<code>GIS-SERVER01.CONTOSO.LOCAL</code>"))
        #expect(html.contains("<a href=\"https://gis-portal01.contoso.local:7443/arcgis/portaladmin/federation/servers/validate\">"))
        #expect(html.contains("<td><code>GIS-PORTAL01.CONTOSO.LOCAL</code></td>"))
        #expect(html.contains("<h3>1. The certificate authority is not trusted (<code>untrusted-ca</code>)</h3>"))
        // Every link is an autolink: its text is its address.
        let links = html.matches(of: /<a href="([^"]*)">([^<]*)<\/a>/)
        #expect(!links.isEmpty)
        for link in links { #expect(String(link.1).removingPercentEncoding == String(link.2)) }
    }

    @Test func hostileLogTextRendersAsText() throws {
        let logs = try HostileLogs()
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "markdown", logs.directory])
        #expect(run.status == 1)
        #expect(!run.stdout.contains("<img"))
        #expect(!run.stdout.contains("</script"))
        guard let html = try renderGFM(run.stdout) else {
            print("skipped: cmark-gfm is not installed (apt-get install cmark-gfm)")
            return
        }
        #expect(!html.contains("<img"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        // (The renderer percent-encodes the brackets of `token=[REDACTED]` in the address.)
        for link in html.matches(of: /<a href="([^"]*)">([^<]*)<\/a>/) { #expect(String(link.1).removingPercentEncoding == String(link.2)) }
    }
}
