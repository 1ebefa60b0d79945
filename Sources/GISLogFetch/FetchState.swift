internal import Glibc
import GISLogInput
public import GISLogSupport

/// Where the incremental fetch of one site stands: the next run fetches from `from` on and leaves out the
/// records of `tally`, which earlier runs already wrote. `from` trails the newest record by an overlap, so
/// that records a site writes late (a busy machine, the millisecond being written when the last run asked)
/// are still fetched, once.
public struct FetchSeam: Sendable, Equatable {
    /// At most this many distinct records are remembered (a few tens of MB of state at most).
    public static let maximumKeys = 1_000_000

    /// The next run's oldest time (epoch ms): every record kept at or after it is in `tally`.
    public var from: Int64
    /// The newest record time written so far.
    public var newest: Int64?
    /// The records kept at or after `from`, with their copies.
    public var tally: RecordTally

    public init(from: Int64, newest: Int64?, tally: RecordTally) {
        self.from = from
        self.newest = newest
        self.tally = tally
    }
}

/// What `gislog fetch --state FILE` carries from one run to the next: per site, its seam; and the name of the
/// last run, whose pages a run killed between saving this state and moving the pages into place still owns.
public struct FetchState: Sendable, Equatable {
    public static let version = 1

    /// One fetched site.
    public struct Site: Sendable, Equatable {
        public var site: AdminSite
        /// The base URL as given (`https://host:6443/arcgis`, no trailing slash).
        public var url: String
        public var seam: FetchSeam

        public init(site: AdminSite, url: String, seam: FetchSeam) {
            self.site = site
            self.url = url
            self.seam = seam
        }
    }

    public var sites: [Site] = []
    /// The last run that saved this state.
    public var run: String?

    public init(sites: [Site] = [], run: String? = nil) {
        self.sites = sites
        self.run = run
    }

    /// The seam of a site, when an earlier run fetched it.
    public func seam(_ site: AdminSite, url: String) -> FetchSeam? {
        sites.first { $0.site == site && $0.url == Self.normalized(url) }?.seam
    }

    /// Replaces (or adds) a site's seam.
    public mutating func set(_ site: AdminSite, url: String, seam: FetchSeam) {
        let url = Self.normalized(url)
        sites.removeAll { $0.site == site && $0.url == url }
        sites.append(Site(site: site, url: url, seam: seam))
        sites.sort { ($0.site.rawValue, $0.url) < ($1.site.rawValue, $1.url) }
    }

    static func normalized(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Why a fetch state file could not be used.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a state file; a missing file is a first run.
    public static func load(path: String) throws(LoadError) -> FetchState {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path, limit: 1 << 30)
        } catch {
            if error.code == ENOENT { return FetchState() }
            throw LoadError(description: "cannot read the fetch state file \(path): \(error.reason)")
        }
        func corrupt(_ what: String) -> LoadError {
            LoadError(description: "the fetch state file \(path) is corrupt (\(what)); move it away to start over "
                + "(the next fetch then starts from --since, and may fetch again records the folder already holds)")
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw corrupt("\(error)")
        }
        guard let version = root["gislog_fetch_state"]?.int else {
            throw LoadError(description: "\(path) is not a gislog fetch state file (no gislog_fetch_state version); "
                + "pass another --state path")
        }
        guard version <= Self.version else {
            throw LoadError(description: "the fetch state file \(path) was written by a newer gislog (format \(version), "
                + "this one reads \(Self.version)); use that gislog")
        }
        var state = FetchState(run: root["run"]?.string)
        for value in root["sites"]?.array ?? [] {
            guard let name = value["site"]?.string, let site = AdminSite(rawValue: name), let url = value["url"]?.string,
                  let from = value["from"]?.int64 else { throw corrupt("a site without site, url or from") }
            var counts: [RecordKey: Int] = [:]
            for entry in value["seam"]?.array ?? [] {
                guard let parts = entry.array, parts.count == 3, let time = parts[0].int64, let hex = parts[1].string,
                      let hash = UInt64(hex, radix: 16), let count = parts[2].int, count > 0 else {
                    throw corrupt("a seam entry that is not [time, hash, count]")
                }
                counts[RecordKey(time: time, hash: hash)] = count
            }
            state.sites.append(Site(site: site, url: url,
                                    seam: FetchSeam(from: from, newest: value["newest"]?.int64, tally: RecordTally(counts))))
        }
        return state
    }

    /// The state as JSON.
    public func json() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("gislog_fetch_state", Self.version)
        json.field("run", run)
        json.key("sites")
        json.beginArray()
        for site in sites {
            json.beginObject()
            json.field("site", site.site.rawValue)
            json.field("url", site.url)
            json.field("from", site.seam.from)
            if let newest = site.seam.newest { json.field("newest", newest) }
            json.key("seam")
            json.beginArray()
            let entries = site.seam.tally.counts.compactMap { key, count in key.time.map { ($0, key, count) } }
                .sorted { ($0.0, $0.1.hash) < ($1.0, $1.1.hash) }
            for (time, key, count) in entries {
                json.beginArray()
                json.value(time)
                json.value(key.hexHash)
                json.value(count)
                json.endArray()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.output + "\n"
    }

    /// Writes the state atomically: a run killed half-way leaves the previous state.
    public func save(path: String) throws(AtomicFile.WriteError) {
        try AtomicFile.write(json(), to: path)
    }
}
