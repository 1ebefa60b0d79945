import Foundation
import Testing
@testable import GISLogKit

@Suite("One run per state file")
struct StateLockTests {
    @Test func aSecondHolderIsRefusedAndNamesTheFirst() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        let first = try StateLock.acquire(path: state)
        #expect(first.lockPath == state + ".lock")
        do {
            _ = try StateLock.acquire(path: state)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.busy)
            #expect(error.holder == getpid())
            #expect(error.description.contains(state))
            #expect(error.description.contains("process \(getpid())"))
            #expect(error.description.contains("--wait-lock"))
        }
        _ = first
    }

    @Test func releasedWhenTheHolderGoesAway() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        var first: StateLock? = try StateLock.acquire(path: state)
        #expect(first != nil)
        first = nil
        _ = try StateLock.acquire(path: state)
    }

    @Test func waitsForTheHolder() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        nonisolated(unsafe) var first: StateLock? = try StateLock.acquire(path: state)
        let release = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            first = nil
        }
        #expect(first != nil)  // read here, before the thread starts: no race with its write
        release.start()
        let started = Date()
        _ = try StateLock.acquire(path: state, wait: 10_000)
        #expect(Date().timeIntervalSince(started) >= 0.2)
        // A short wait that runs out names how long it waited.
        let holder = try StateLock.acquire(path: folder.path + "/other.state")
        do {
            _ = try StateLock.acquire(path: folder.path + "/other.state", wait: 200)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.description.contains("was not released within"))
        }
        _ = holder
    }

    @Test func aMissingFolderIsAClearError() {
        do {
            _ = try StateLock.acquire(path: "/nonexistent-gislog-folder/site.state")
            Issue.record("a lock was granted")
        } catch {
            #expect(!error.busy)
            #expect(error.description.contains("/nonexistent-gislog-folder/site.state.lock"))
            #expect(error.description.contains("No such file or directory"))
        }
    }
}
