internal import Glibc
import GISLogInput

/// Decides whether a record cut off at the end of a log is final. ArcGIS writes each record whole, so a cut
/// record is either being written right now or was left by a crash or a power loss; after a crash ArcGIS
/// starts a new file at its next start and never touches the old one again. An incremental run keeps a
/// cut record for the next run only while its file may still grow.
enum TailSettling {
    /// A newer log in the folder settles a file only if it was written at least this long (or the settle
    /// time, if shorter) after the file last changed: a service that writes two logs side by side must not
    /// have a record read while it is being written. Both times come from the same clock, the one that
    /// stamped the files, so this holds even when the machine gislog runs on has another time.
    static let quietWithNewerFile: Int64 = 60_000

    /// Whether the file at `path` will not grow again: unchanged for `settleMillis` by the machine's clock,
    /// or followed by another log in its folder written a minute or more after it last changed. A file that
    /// is gone will not grow either.
    ///
    /// Ages come from the machine's clock, like the files' modification times, never from `GISLOG_NOW`; a
    /// file stamped in the future (a file server whose clock is ahead) is never settled by age, only by a
    /// newer log.
    static func isFinal(path: String, settleMillis: Int64) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        let modified = millis(info.st_mtim)
        if realNow() - modified >= settleMillis { return true }
        return newerLogExists(besides: path, modifiedAfter: modified, by: min(settleMillis, quietWithNewerFile))
    }

    /// Whether the folder of `path` holds another log file modified `gap` or more after `modified` (and
    /// after it at all, when `gap` is 0).
    static func newerLogExists(besides path: String, modifiedAfter modified: Int64, by gap: Int64) -> Bool {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let ownName = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let handle = opendir(directory) else { return false }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ownName, name != ".", name != "..", LogDiscovery.looksLikeLogName(name.lowercased()) else { continue }
            var other = stat()
            let otherPath = directory == "/" ? "/" + name : directory + "/" + name
            if stat(otherPath, &other) == 0, other.st_mode & S_IFMT == S_IFREG, millis(other.st_mtim) > modified,
               millis(other.st_mtim) - modified >= gap {
                return true
            }
        }
        return false
    }

    private static func millis(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    private static func realNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return millis(spec)
    }
}
