/// The ArcGIS Enterprise product that wrote a log.
public enum Product: String, Sendable, Hashable, CaseIterable {
    case server
    case portal
    case dataStore = "datastore"
    case unknown

    /// The ECS `event.dataset` value, e.g. `arcgis.server`.
    public var dataset: String { "arcgis." + rawValue }
}

/// Which log of the product: the site's own log, a service's log, a database log.
public enum Component: String, Sendable, Hashable, CaseIterable {
    /// `logs/<MACHINE>/server/` (Server and Data Store framework logs).
    case server
    /// `logs/<MACHINE>/services/…` (one folder per running service).
    case services
    /// `logs/<MACHINE>/portal/`.
    case portal
    /// Data Store `logs/<MACHINE>/database/` (PostgreSQL logs).
    case database
    /// Data Store `logs/<MACHINE>/couchlog/` and other folders gislog knows but does not interpret.
    case other
    /// A file outside the standard layout.
    case unknown
}

/// A file to read, with what its place in the logs tree says about it.
public struct InputFile: Sendable, Hashable {
    /// The path as given or found while walking.
    public var path: String
    public var product: Product
    public var component: Component
    /// The machine named by the folder layout (`logs/<MACHINE>/…`), upper-cased; nil outside the layout,
    /// in which case each record's `machine` attribute is used.
    public var machine: String?
    /// Size on disk when discovered, when the walk learnt it (0 otherwise; the scan counts bytes read).
    public var size: Int64

    public init(path: String, product: Product = .unknown, component: Component = .unknown,
                machine: String? = nil, size: Int64 = 0) {
        self.path = path
        self.product = product
        self.component = component
        self.machine = machine
        self.size = size
    }

    /// Reads product, component and machine from an ArcGIS logs path such as
    /// `…/arcgisserver/logs/GIS01.EXAMPLE.COM/server/server-20150101.095803-8596-0.0.log`.
    public static func classify(path: String, size: Int64 = 0) -> InputFile {
        var file = InputFile(path: path, size: size)
        // Byte-level work: this runs once per file, and trees can hold tens of thousands of them.
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        let lower = parts.map { asciiLowercased($0) }
        // The last `logs/<MACHINE>/<component>/` in the path wins (a copied tree may nest `logs` folders).
        if let logs = lower.indices.dropLast(2).last(where: { lower[$0] == "logs" }) {
            let folder = lower[logs + 2]
            let known: Component? = switch folder {
            case "server": .server
            case "services": .services
            case "portal": .portal
            case "database": .database
            case "couchlog", "errorreports", "elasticsearch", "tilecache", "nosql": .other
            default: nil
            }
            if let known, logs + 2 < parts.count - 1 {
                file.component = known
                file.machine = asciiUppercased(parts[logs + 1])
                // The nearest folder above `logs` that names a product decides (`arcgisserver` under a folder
                // called `portal-migration` is a Server's).
                var named: Product?
                for name in lower[..<logs].reversed() {
                    if name.utf8.contains(subsequence: "datastore".utf8) { named = .dataStore }
                    else if name.utf8.contains(subsequence: "portal".utf8) { named = .portal }
                    else if name.utf8.contains(subsequence: "server".utf8) { named = .server }
                    if named != nil { break }
                }
                if named == .dataStore {
                    file.product = .dataStore
                } else if named == .portal || known == .portal {
                    file.product = .portal
                } else if known == .database {
                    file.product = .dataStore
                } else {
                    file.product = .server
                }
            }
        }
        if file.product == .unknown, let name = lower.last {
            if name.hasPrefix("portal") { file.product = .portal } else if name.hasPrefix("server-") { file.product = .server }
        }
        return file
    }
}

private func asciiLowercased(_ bytes: Substring.UTF8View) -> String {
    String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
}

private func asciiUppercased(_ bytes: Substring.UTF8View) -> String {
    String(decoding: bytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
}

extension Collection where Element == UInt8 {
    /// Whether `needle` occurs in these bytes (plain byte search; `String.contains` is far slower).
    func contains<Needle: Collection<UInt8>>(subsequence needle: Needle) -> Bool {
        guard let first = needle.first else { return true }
        var start = startIndex
        while let found = self[start...].firstIndex(of: first) {
            if self[found...].starts(with: needle) { return true }
            start = index(after: found)
        }
        return false
    }
}
