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

@Suite("Markdown that reads as plain text")
struct MarkdownTextTests {
    let text = MarkdownText(hosts: ["GIS-SERVER01.CONTOSO.LOCAL", "gis-portal01.contoso.local:7443"])

    @Test func hostsAreCodeAndNothingElseIsEscaped() {
        #expect(text.inline("14 of 14 failures on GIS-SERVER01.CONTOSO.LOCAL say so (12045)")
                == "14 of 14 failures on `GIS-SERVER01.CONTOSO.LOCAL` say so (12045)")
        // Names are matched whole and without regard to case; a peer is also known by its host alone.
        #expect(text.inline("calls to gis-portal01.contoso.local:7443 and gis-portal01.contoso.local.")
                == "calls to `gis-portal01.contoso.local:7443` and `gis-portal01.contoso.local`.")
        #expect(text.inline("on gis-server01.contoso.local") == "on `gis-server01.contoso.local`")
        #expect(text.inline("xGIS-SERVER01.CONTOSO.LOCAL and GIS-SERVER01.CONTOSO.LOCALE")
                == "xGIS-SERVER01.CONTOSO.LOCAL and GIS-SERVER01.CONTOSO.LOCALE")
        #expect(text.inline("WinINet 12045 ERROR_INTERNET_INVALID_CA, a self-signed cert. (v1.2)")
                == "WinINet 12045 ERROR_INTERNET_INVALID_CA, a self-signed cert. (v1.2)")
    }

    @Test func urlsBecomeAutolinksWithoutTheSentencesPunctuation() {
        #expect(text.inline("open https://gis-portal01.contoso.local:7443/arcgis/portaladmin/x_y-z?a=1&b=2.")
                == "open <https://gis-portal01.contoso.local:7443/arcgis/portaladmin/x_y-z?a=1&b=2>.")
        #expect(text.inline("(see http://example.org/a_(b))") == "(see <http://example.org/a_(b)>)")
        #expect(text.inline("URL = HTTPS://H:6443/arcgis/rest, then") == "URL = <HTTPS://H:6443/arcgis/rest>, then")
        #expect(text.inline("clipped https://h/path…") == "clipped <https://h/path>…")
        #expect(MarkdownText.link("https://a.example/x y") == "`https://a.example/x y`")
        #expect(MarkdownText.link("https://a.example/x") == "<https://a.example/x>")
    }

    @Test func markupInLogTextStaysText() {
        let hostile = "</script><img src=x onerror=alert(1)> *bold* _under_ ~~gone~~ [link](http://x) ![i](y) &amp; \u{1B}[2J"
        let out = text.inline(hostile)
        #expect(!out.contains("<img"))
        #expect(!out.contains("</script"))
        #expect(!out.contains("\u{1B}"))
        #expect(out.contains("\\*bold\\*"))
        #expect(out.contains("\\_under\\_"))
        #expect(out.contains("\\~\\~gone\\~\\~"))
        #expect(out.contains("[link\\](<http://x>)"))
        #expect(out.contains("![i\\](y)"))
        #expect(out.contains("&amp;amp;"))
    }

    @Test func blockMarkersAtTheStartAreEscaped() {
        #expect(text.inline("# not a heading") == "\\# not a heading")
        #expect(text.inline("> not a quote") == "\\> not a quote")
        #expect(text.inline("- not an item") == "\\- not an item")
        #expect(text.inline("12. not an item") == "12\\. not an item")
        #expect(text.inline("[x] not a task") == "\\[x] not a task")
        #expect(text.inline("<div>") == "&lt;div>")
        #expect(text.inline("  padded\nline  ") == "padded line")
        #expect(text.inline("1 - 2 # 3") == "1 - 2 # 3")
    }

    @Test func backticksAndBackslashes() {
        #expect(text.inline("run `openssl s_client -connect h:443` now") == "run `openssl s_client -connect h:443` now")
        #expect(text.inline("a lone ` backtick") == "a lone \\` backtick")
        #expect(text.inline("C:\\arcgisserver\\logs") == "C:\\arcgisserver\\logs")
        #expect(text.inline("ends in \\") == "ends in \\\\")
        #expect(text.inline("escape \\* star") == "escape \\\\\\* star")
        #expect(MarkdownText.code("a`b") == "``a`b``")
        #expect(MarkdownText.code("`x`") == "`` `x` ``")
        #expect(MarkdownText.code("two\nlines") == "`two lines`")
        #expect(MarkdownText.cell("a|b") == "`a\\|b`")
    }
}
