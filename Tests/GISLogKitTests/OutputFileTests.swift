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

@Suite("Output that does not arrive is an error")
struct OutputFileTests {
    @Test func aFullDeviceFailsFinish() throws {
        let descriptor = open("/dev/full", O_WRONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let out = OutputFile(descriptor: descriptor)
        out.write("report\n")
        do {
            try out.finish()
            Issue.record("finish succeeded on /dev/full")
        } catch {
            #expect(error.code == ENOSPC)
        }
        #expect(out.failed)
    }

    @Test func aRegularFileFinishes() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/out.txt"
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o644)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let out = OutputFile(descriptor: descriptor)
        out.write("report\n")
        try out.finish()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "report\n")
    }
}
