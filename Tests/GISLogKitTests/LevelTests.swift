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

@Suite("Levels")
struct LevelTests {
    @Test("modern, legacy and numeric level names", arguments: [
        ("SEVERE", Level.severe), ("WARNING", .warning), ("INFO", .info), ("FINE", .fine),
        ("VERBOSE", .verbose), ("DEBUG", .debug), ("severe", .severe), ("ERROR", .severe),
        ("INFO1", .info), ("INFO2", .info), ("INFO3", .fine), ("INFO4", .fine), ("INFO5", .verbose),
        ("1", .severe), ("2", .warning), ("3", .info), ("4", .fine), ("5", .verbose), ("100", .debug),
        ("", .unknown), ("SEVERAL", .unknown), ("INFO9", .unknown), ("WARN", .unknown), ("FINEST", .unknown),
    ])
    func parses(name: String, expected: Level) {
        #expect(Level(name: name) == expected)
    }

    @Test func ordering() {
        #expect(Level.severe > .warning)
        #expect(Level.warning > .info)
        #expect(Level.info > .fine)
        #expect(Level.fine > .verbose)
        #expect(Level.verbose > .debug)
    }
}
