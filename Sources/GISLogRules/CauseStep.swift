public import GISLogInput
import GISLogSupport

/// One step of a cause's workaround, as a causes file writes it: the words, where they come from, and when
/// they apply. The correlation picks the steps whose conditions the failures meet and fills them in.
///
/// ```yaml
/// steps:
///   - do: 'On every ArcGIS Server machine, import the root certificate into the Windows certificate store:'
///     each: server
///     each_do: '{each_machine}: certlm.msc > Trusted Root Certification Authorities > Import'
///     when: {failing: [server], client: [wininet]}
///     source: https://learn.microsoft.com/...
/// ```
public struct CauseStep: Sendable, Hashable {
    /// The step, with `{placeholders}` (see the causes file's header).
    public var text: String
    /// The documentation the step is written from.
    public var source: String?
    /// When the step applies; an empty condition always does.
    public var when: StepCondition
    /// Whose machines the step must be repeated on, one line each.
    public var each: StepMachines?
    /// The line written for each of those machines, with `{each_machine}` and `{each_host}`.
    public var eachText: String?

    public init(text: String, source: String? = nil, when: StepCondition = StepCondition(), each: StepMachines? = nil,
                eachText: String? = nil) {
        self.text = text
        self.source = source
        self.when = when
        self.each = each
        self.eachText = eachText
    }
}

/// The machines a step is repeated on.
public enum StepMachines: String, Sendable, Hashable, CaseIterable {
    /// The machines whose calls failed.
    case failing
    /// Every ArcGIS Server machine the logs show (and the failing machine when it is one).
    case server
    /// Every Portal for ArcGIS machine the logs show.
    case portal
}

/// Which side of a failing call made the TLS check that failed, as the rules' tags tell it.
public enum TLSClient: String, Sendable, Hashable, CaseIterable {
    /// Windows' HTTP stack (ArcGIS Server's service processes on Windows: publishing, printing).
    case wininet
    /// Java (Portal for ArcGIS, ArcGIS Server's own framework, Data Store).
    case java
    /// libcurl (ArcGIS Server on Linux).
    case curl
    /// Python (geoprocessing services, ArcGIS API for Python, Notebook Server).
    case python
}

/// What the called peer is, judged from its port, its URL and the machines in the logs.
public enum PeerRole: String, Sendable, Hashable, CaseIterable {
    case portal
    case server
    /// An ArcGIS Web Adaptor (or a load balancer) in front of Portal or Server, on the web server's port.
    case webAdaptor = "web-adaptor"
    /// Anything else (a service on another host, ArcGIS Online).
    case other
}

/// The conditions of a step; each list that is given must contain the failures' value.
public struct StepCondition: Sendable, Hashable {
    /// The product of the machine whose calls failed.
    public var failing: [Product] = []
    public var client: [TLSClient] = []
    public var peer: [PeerRole] = []
    /// The ArcGIS versions the step is right for.
    public var version: VersionRange?

    public init(failing: [Product] = [], client: [TLSClient] = [], peer: [PeerRole] = [], version: VersionRange? = nil) {
        self.failing = failing
        self.client = client
        self.peer = peer
        self.version = version
    }

    public var isEmpty: Bool { failing.isEmpty && client.isEmpty && peer.isEmpty && version == nil }
}

/// A release of ArcGIS Enterprise (Server, Portal): 10.7.1, 10.8, 11.3.
public struct ArcGISVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var parts: [Int]

    /// Reads `10.8.1`, `11.3`, `10.81` (as `rest/info` writes `currentVersion`: 10.81 is 10.8.1, 10.91 is
    /// 10.9.1) and `11.3.0.51575` (build numbers are ignored). Nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces()
        let pieces = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...4).contains(pieces.count), pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter) }),
              let major = Int(pieces[0]), (9...99).contains(major) else { return nil }
        var numbers = pieces.prefix(3).compactMap { Int($0) }
        guard numbers.count == min(pieces.count, 3) else { return nil }
        // `currentVersion` packs the minor and patch into two digits: 10.81, 10.91 (but 11.1 is 11.1).
        if pieces.count == 2, pieces[1].count == 2, let packed = Int(pieces[1]) {
            numbers = [major, packed / 10, packed % 10]
        }
        while numbers.count > 2 && numbers.last == 0 { numbers.removeLast() }
        guard numbers.dropFirst().allSatisfy({ $0 < 100 }) else { return nil }
        parts = numbers
    }

    public init(_ parts: [Int]) { self.parts = parts }

    public static func < (a: ArcGISVersion, b: ArcGISVersion) -> Bool {
        for index in 0..<max(a.parts.count, b.parts.count) {
            let x = index < a.parts.count ? a.parts[index] : 0, y = index < b.parts.count ? b.parts[index] : 0
            if x != y { return x < y }
        }
        return false
    }

    public var description: String { parts.map(String.init).joined(separator: ".") }
}

/// `>= 10.8`, `< 10.8`, `>= 10.5 < 10.8`: the versions a step is right for.
public struct VersionRange: Sendable, Hashable, CustomStringConvertible {
    public var from: ArcGISVersion?
    public var below: ArcGISVersion?

    public init(from: ArcGISVersion? = nil, below: ArcGISVersion? = nil) {
        self.from = from
        self.below = below
    }

    /// Reads `>= 10.8`, `< 11.3`, or both separated by a space or a comma.
    public init?(_ text: String) {
        var from: ArcGISVersion?, below: ArcGISVersion?
        var rest = Substring(text.trimmingSpaces())
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            let isFrom: Bool
            if rest.hasPrefix(">=") { isFrom = true } else if rest.hasPrefix("<") && !rest.hasPrefix("<=") { isFrom = false } else { return nil }
            rest = rest.dropFirst(isFrom ? 2 : 1).drop { $0 == " " }
            let number = rest.prefix { $0.isASCIIDigitCharacter || $0 == "." }
            guard let version = ArcGISVersion(String(number)) else { return nil }
            if isFrom { guard from == nil else { return nil }; from = version } else { guard below == nil else { return nil }; below = version }
            rest = rest.dropFirst(number.count)
        }
        guard from != nil || below != nil else { return nil }
        if let from, let below, !(from < below) { return nil }
        self.from = from
        self.below = below
    }

    public func contains(_ version: ArcGISVersion) -> Bool {
        if let from, version < from { return false }
        if let below, !(version < below) { return false }
        return true
    }

    /// In words: "ArcGIS Enterprise 10.8 or later", "before 10.8", "10.5 up to 10.7".
    public var description: String {
        switch (from, below) {
        case (let from?, nil): "ArcGIS Enterprise \(from) or later"
        case (nil, let below?): "ArcGIS Enterprise before \(below)"
        case (let from?, let below?): "ArcGIS Enterprise \(from) or later, before \(below)"
        case (nil, nil): "any ArcGIS Enterprise version"
        }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
