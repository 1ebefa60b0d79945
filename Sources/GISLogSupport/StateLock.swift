internal import Glibc

/// An exclusive lock on a state file for the length of a run, so two runs (a slow cron job and the next one)
/// never read and write the same state at once. The lock is `flock` on a companion file, `<state>.lock`: the
/// state file itself is replaced by `rename` at every save, and a lock on the replaced file would guard
/// nothing. The kernel releases the lock when the process ends, however it ends, so a killed run never
/// leaves it held. The holder writes its process id into the lock file, for the message of the run that
/// finds it busy. Owns the lock file's descriptor; `deinit` releases the lock.
public final class StateLock {
    /// Why the lock could not be taken.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The state file the lock is for.
        public let statePath: String
        /// The process holding the lock, when it could be read.
        public let holder: Int32?
        /// True when another run holds the lock; false when the lock file could not be opened at all.
        public let busy: Bool
        public let description: String
    }

    /// The state file this lock guards.
    public let statePath: String
    /// The file that is locked.
    public let lockPath: String
    private let descriptor: Int32

    private init(statePath: String, lockPath: String, descriptor: Int32) {
        self.statePath = statePath
        self.lockPath = lockPath
        self.descriptor = descriptor
    }

    deinit {
        // Forget the pid first, so nobody reads it as the holder's after the lock is gone.
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    /// Takes the lock for the state file at `path`.
    /// - Parameter wait: how long to wait for another run to finish, in milliseconds; 0 fails at once.
    /// - Throws: `Failure` naming the state file and the holder's pid when the lock stays busy.
    public static func acquire(path: String, wait: Int64 = 0) throws(Failure) -> StateLock {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw Failure(statePath: path, holder: nil, busy: false, description: """
                cannot open the lock file \(lockPath) for the state file \(path): \(systemErrorText(code)); \
                put the state file in a folder you can write to
                """)
        }
        let deadline = monotonicMilliseconds() + max(0, wait)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(descriptor)
                throw Failure(statePath: path, holder: nil, busy: false, description: """
                    cannot lock \(lockPath) for the state file \(path): \(systemErrorText(code))
                    """)
            }
            if code == EINTR { continue }
            if monotonicMilliseconds() >= deadline {
                let holder = readHolder(descriptor)
                close(descriptor)
                let who = holder.map { "another gislog (pid \($0))" } ?? "another gislog"
                let waited = wait > 0 ? " and did not finish within \(DurationText.describe(wait))" : ""
                throw Failure(statePath: path, holder: holder, busy: true, description: """
                    the state file \(path) is in use by \(who)\(waited); two runs must not share a state file. \
                    Let that run finish, or pass --wait-lock DURATION (e.g. --wait-lock 30m) to wait for it
                    """)
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return StateLock(statePath: path, lockPath: lockPath, descriptor: descriptor)
    }

    /// The pid the holder wrote into the lock file, if any.
    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }

    private static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
