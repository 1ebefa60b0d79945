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

@Suite("State lock")
struct StateLockTests {
    @Test func aSecondRunIsToldWhoHoldsTheState() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        let held = try StateLock.acquire(path: state)
        #expect(held.lockPath == state + ".lock")
        do {
            _ = try StateLock.acquire(path: state)
            Issue.record("the state is locked")
        } catch {
            #expect(error.busy)
            #expect(error.holder == getpid())
            #expect(error.description.contains("the state file \(state) is in use by another gislog (pid \(getpid()))"))
            #expect(error.description.contains("--wait-lock"))
        }
        withExtendedLifetime(held) {}
    }

    @Test func theLockIsReleasedWithItsOwner() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        do { _ = try StateLock.acquire(path: state) }
        _ = try StateLock.acquire(path: state)
    }

    @Test func aWaitingRunGetsTheLockWhenTheHolderFinishes() throws {
        let folder = TemporaryDirectory()
        let state = folder.path + "/site.state"
        // The holder is a thread of its own (not a task): waiting blocks, and must not starve it.
        let held = DispatchSemaphore(value: 0)
        let holder = Thread {
            let lock = try? StateLock.acquire(path: state)
            held.signal()
            Thread.sleep(forTimeInterval: 0.3)
            withExtendedLifetime(lock) {}
        }
        holder.start()
        held.wait()
        let started = Date()
        let waited = try StateLock.acquire(path: state, wait: 20_000)
        #expect(Date().timeIntervalSince(started) > 0.1, "it waited for the holder")
        do {
            _ = try StateLock.acquire(path: state, wait: 200)
            Issue.record("still held by `waited`")
        } catch {
            #expect(error.description.contains("did not finish within"))
        }
        withExtendedLifetime(waited) {}
    }

    @Test func aLockInAFolderThatCannotBeWrittenSaysSo() {
        do {
            _ = try StateLock.acquire(path: "/proc/gislog/site.state")
            Issue.record("/proc cannot hold a lock file")
        } catch {
            #expect(!error.busy)
            #expect(error.description.contains("/proc/gislog/site.state"))
        }
    }
}
