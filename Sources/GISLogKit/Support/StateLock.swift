internal import Glibc

/// One run per state file: an exclusive `flock` on a lock file beside the state file (`site.state.lock`),
/// held for as long as this object lives. The kernel drops it when the process ends in any way, so a run
/// that was killed never leaves a stale lock behind.
///
/// The lock is on a file of its own because the state file itself is replaced by `rename` on every save:
/// a lock on it would stay with the old file, and the next run would lock the new one. The lock file is
/// never deleted (deleting it would let two runs lock two different files); it holds the process id of
/// the run that holds it, for the message the next run prints.
public final class StateLock {
    /// The lock file.
    public let lockPath: String
    private let descriptor: Int32

    /// Why the lock could not be taken.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let description: String
        /// The process id that holds the lock, when it was busy and the lock file names one.
        public let holder: Int32?
        /// True when another process holds the lock (false: the lock file could not be opened or locked).
        public let busy: Bool
    }

    private init(lockPath: String, descriptor: Int32) {
        self.lockPath = lockPath
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The lock file of the state file at `path`.
    public static func lockPath(forState path: String) -> String { path + ".lock" }

    /// Takes the lock of the state file at `path` (creating its lock file when missing).
    /// - Parameters:
    ///   - path: the state file (it need not exist yet; its folder must).
    ///   - wait: how long to wait for a run that holds the lock, in milliseconds; 0 gives up at once.
    /// - Throws: `StateLock.Error` naming the state file and, when it is busy, the process that holds it.
    public static func acquire(path: String, wait: Int64 = 0) throws(StateLock.Error) -> StateLock {
        let lockPath = lockPath(forState: path)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw Error(description: "cannot open the lock file \(lockPath) of the state file \(path): \(systemErrorText(code))"
                        + " — the state file's folder must exist and be writable by the user gislog runs as",
                        holder: nil, busy: false)
        }
        let deadline = monotonicMillis() + max(0, wait)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else {
                close(descriptor)
                throw Error(description: "cannot lock \(lockPath) (the lock of the state file \(path)): \(systemErrorText(code))",
                            holder: nil, busy: false)
            }
            if monotonicMillis() >= deadline {
                let holder = readHolder(descriptor)
                close(descriptor)
                let who = holder.map { "gislog process \($0)" } ?? "another gislog process"
                throw Error(description: "the state file \(path) is in use by \(who) (it holds \(lockPath))"
                            + (wait > 0 ? " and was not released within \(Duration.describe(wait))" : "")
                            + "; this run stops so that the two do not report the same incidents twice. "
                            + "Let that run finish, or pass --wait-lock DURATION to wait for it",
                            holder: holder, busy: true)
            }
            usleep(50_000)
        }
        // Record who holds it. A failure here is harmless: the lock is what counts.
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 { _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
        return StateLock(lockPath: lockPath, descriptor: descriptor)
    }

    /// The process id written in the lock file by its holder, if it names one.
    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let digits = bytes[..<count].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard let pid = Int32(String(decoding: digits, as: UTF8.self)), pid > 0 else { return nil }
        return pid
    }

    private static func monotonicMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
