internal import Glibc
import GISLogRecords
import GISLogSupport

/// One run of `gislog fetch --state FILE`: continues each site from where the last run ended and adds only
/// records not written before, all or nothing.
///
/// The run's pages go into a staging folder inside the output folder (`.gislog-fetch-<run>`, which `gislog
/// scan` does not read). Only when every site is fetched is the state saved, naming the run, and the pages
/// moved into place. A run killed before the state is saved leaves the previous state and a staging folder
/// that the next run removes (it fetches the same records again); one killed after leaves pages that the
/// next run moves into place. Either way each record ends up in the folder once. The caller holds the
/// state's `StateLock` for the whole run.
public struct IncrementalFetch {
    /// A site to fetch.
    public struct Target: Sendable {
        public var site: AdminSite
        public var url: String

        public init(site: AdminSite, url: String) {
            self.site = site
            self.url = url
        }
    }

    public var targets: [Target]
    /// The output folder (it must exist).
    public var folder: String
    public var statePath: String
    /// Where a site's first run starts (epoch ms).
    public var since: Int64
    /// How far back from the newest record the next run fetches again, for records written late (ms).
    public var overlap: Int64
    public var level: String
    public var pageSize: Int
    /// Page files whose modification time is older than this (ms) are removed after the run.
    public var keep: Int64?

    /// The default `overlap`: long enough for a machine that writes its log a little late.
    public static let defaultOverlap: Int64 = 5 * 60_000
    /// The prefix of staging folders; `gislog scan` skips names that start with `.gislog-`.
    public static let stagingPrefix = ".gislog-fetch-"

    public init(targets: [Target], folder: String, statePath: String, since: Int64,
                overlap: Int64 = IncrementalFetch.defaultOverlap, level: String = "INFO",
                pageSize: Int = LogQueryPager.maximumPageSize, keep: Int64? = nil) {
        self.targets = targets
        self.folder = folder
        self.statePath = statePath
        self.since = since
        self.overlap = max(0, overlap)
        self.level = level
        self.pageSize = pageSize
        self.keep = keep
    }

    /// Fetches every target and commits the run.
    /// - Parameters:
    ///   - now: the current time, for `keep` (epoch ms).
    ///   - progress: called after each page with the site, the pages and the records so far.
    public func run(fetcher: AdminLogFetcher, credentials: FetchCredentials, now: Int64,
                    progress: (AdminSite, Int, Int) -> Void = { _, _, _ in }) throws(FetchError) -> FetchSummary {
        var state: FetchState
        do {
            state = try FetchState.load(path: statePath)
        } catch {
            throw FetchError(kind: .output, description: error.description)
        }
        try Self.recover(folder: folder, committed: state.run)
        let (run, staging) = try makeStaging()
        var summary = FetchSummary()
        do throws(FetchError) {
            for target in targets {
                let seam = state.seam(target.site, url: target.url)
                var pager = LogQueryPager(site: target.site, baseURL: target.url, oldest: seam?.from ?? since,
                                          level: level, pageSize: pageSize, seen: seam?.tally ?? RecordTally(),
                                          newestSeen: seam?.newest, remember: overlap)
                let fetched = try fetcher.fetch(&pager, credentials: credentials, into: staging, run: run) { pages, records in
                    progress(target.site, pages, records)
                }
                summary.add(fetched)
                state.set(target.site, url: target.url, seam: pager.seam())
            }
            syncDirectory(staging)
            state.run = run
            do {
                try state.save(path: statePath)
            } catch {
                throw FetchError(kind: .output, description: "cannot save the fetch state: \(error); nothing was added")
            }
        } catch {
            Self.remove(folder: staging)
            throw error
        }
        // Committed: from here on, a failure is finished by the next run.
        summary.files = try Self.moveIntoPlace(staging: staging, folder: folder)
        if let keep {
            summary.removed = Self.removePages(in: folder, olderThan: now - keep)
        }
        return summary
    }

    /// A new run name (UTC time to the millisecond, `20261114T130000123Z`) and its staging folder.
    private func makeStaging() throws(FetchError) -> (String, String) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var millis = Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
        while true {
            let run = Self.runName(millis)
            let staging = folder + "/" + Self.stagingPrefix + run
            if mkdir(staging, 0o755) == 0 { return (run, staging) }
            let code = errno
            guard code == EEXIST else {
                throw FetchError(kind: .output, description: """
                    cannot create \(staging): \(systemErrorText(code)). Pick an output folder you can write to.
                    """)
            }
            millis += 1
        }
    }

    /// `20261114T130000123Z`: sorts by time, and holds no character a file system objects to.
    static func runName(_ millis: Int64) -> String {
        let text = LogTime.rfc3339(utcMillis: millis, offsetSeconds: 0)  // 2026-11-14T13:00:00.123Z
        return String(text.filter { $0 != "-" && $0 != ":" && $0 != "." })
    }

    /// Finishes what a killed run left: moves the pages of the committed run into place, removes the rest.
    static func recover(folder: String, committed: String?) throws(FetchError) {
        for name in entries(of: folder) where name.hasPrefix(stagingPrefix) {
            let path = folder + "/" + name
            if let committed, name == stagingPrefix + committed {
                _ = try moveIntoPlace(staging: path, folder: folder)
            } else {
                remove(folder: path)
            }
        }
    }

    /// Moves every file of `staging` into `folder` and removes `staging`; returns the new paths.
    static func moveIntoPlace(staging: String, folder: String) throws(FetchError) -> [String] {
        var moved: [String] = []
        for name in entries(of: staging).sorted() {
            let target = folder + "/" + name
            guard rename(staging + "/" + name, target) == 0 else {
                let code = errno
                throw FetchError(kind: .output, description: """
                    cannot move \(staging)/\(name) into \(folder): \(systemErrorText(code)); the next fetch with \
                    this state file moves it
                    """)
            }
            moved.append(target)
        }
        rmdir(staging)
        syncDirectory(folder)
        return moved
    }

    /// Removes the page files (`server-…-page-NNNN.json`, `portal-…`) in `folder` last written before `cutoff`.
    /// Other files are never touched.
    public static func removePages(in folder: String, olderThan cutoff: Int64) -> Int {
        var removed = 0
        for name in entries(of: folder) where isPageName(name) {
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let written = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
            if written < cutoff && unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Whether a file name is one gislog fetch writes.
    static func isPageName(_ name: String) -> Bool {
        (name.hasPrefix("server-") || name.hasPrefix("portal-")) && name.hasSuffix(".json")
            && name.contains("-page-")
    }

    static func entries(of folder: String) -> [String] {
        guard let handle = opendir(folder) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func remove(folder: String) {
        for name in entries(of: folder) { unlink(folder + "/" + name) }
        rmdir(folder)
    }
}

/// Flushes a folder's entries (new and renamed files) to disk.
func syncDirectory(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
}
