public import GISLogRecords
public import GISLogInput

/// What a rule detects; findings and reports group events by it.
public enum RuleCategory: String, Sendable, Hashable, CaseIterable, Comparable {
    /// TLS trust failures: unknown CA, expired or mismatched certificates, revocation, self-signed.
    case certificate
    /// Invalid, expired or missing tokens.
    case token
    /// Machines, web servers and services stopping and starting.
    case restart
    /// Portal and Server federation failures.
    case federation
    /// Publishing jobs and the publishing tools failing.
    case publishing
    /// Transport failures that are not about trust: timeouts, refused or reset connections, DNS.
    case connectivity

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a rule's events are evidence of, for the diagnosis (`evidence:` in a rule file). Causes are scored
/// from these classes, never from rule ids, so a rule file may add or replace rules freely: a new rule with
/// `evidence: unknown-ca` counts exactly as the built-in 12045 rule does.
public enum Evidence: String, Sendable, Hashable, CaseIterable {
    // Certificate failures, by what the error text itself names.
    /// The issuing CA is not trusted (WinINet 12045, Java PKIX path building, "the CA needs to be trusted").
    case unknownCA = "unknown-ca"
    /// A trust failure that does not say why (12055, 12169, "could not validate the certificate").
    case untrusted
    /// The certificate is expired or not yet valid (12037, PKIX validity check).
    case expired
    /// The certificate does not name the host called (12038, "No subject alternative DNS name matching").
    case hostname
    /// Revocation could not be checked, or the certificate is revoked (12057, 12170).
    case revocation
    /// The other side asks for a client certificate (12044).
    case clientCertificate = "client-certificate"
    // Markers: not failures themselves.
    /// A message names a self-signed certificate.
    case selfSigned = "self-signed"
    /// A token was refused, had expired, or could not be made or read.
    case tokenError = "token-error"
    /// A machine (not a single service) is stopping.
    case machineStop = "machine-stop"
    /// A machine (not a single service) is starting, or starting an upgrade.
    case machineStart = "machine-start"

    /// Classes whose events are certificate failures: the symptoms the causes compete to explain.
    public var isFailure: Bool {
        switch self {
        case .unknownCA, .untrusted, .expired, .hostname, .revocation, .clientCertificate: true
        case .selfSigned, .tokenError, .machineStop, .machineStart: false
        }
    }
}

/// How much an event matters on its own, in Sigma's words (`level` in a rule file).
public enum RuleSeverity: String, Sendable, Hashable, CaseIterable, Comparable {
    case informational, low, medium, high, critical

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A document a rule or cause points to.
public struct RuleReference: Sendable, Hashable {
    public var title: String
    public var url: String?
}

/// A line a rule must match (with the fields it must yield) or must not match.
public struct RuleSample: Sendable, Hashable {
    /// Message text, or a whole `<Msg …>…</Msg>` record (then level, code and source gates apply too).
    public var text: String
    /// Fields the match must yield, by group name (only those listed are checked); nil (`~` in YAML) means
    /// the group must not take part in the match.
    public var fields: [String: String?]
    /// Where the sample is written.
    public var line: Int
}

/// Where a rule came from.
public struct RuleOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `builtin:certificate.yaml`, or a path.
    public var file: String
    public var line: Int
    public var isBuiltin: Bool
    /// Where the pattern's text starts (its first character, inside any quote).
    public var patternLine: Int = 0
    public var patternColumn: Int = 0

    public var description: String { "\(file):\(line)" }
}

/// A detection rule as written in a rule file: a PCRE2 pattern on the record text, narrowed by the
/// record's level, code, source and product, whose named groups become event fields.
public struct Rule: Sendable {
    public var id: String
    public var title: String
    public var category: RuleCategory
    /// Sigma's `level`: how much one event matters (default `medium`).
    public var severity: RuleSeverity = .medium
    /// Sigma's `status` (`stable`, `test`, `experimental`, …); informational.
    public var status: String?
    public var description: String?
    /// Sigma's `author`, `date` and `modified`; informational (the Sigma export carries them).
    public var author: String?
    public var date: String?
    public var modified: String?
    public var pattern: String
    /// A PCRE2 pattern that vetoes the rule: a record whose text it matches anywhere is not an event of the
    /// rule (Sigma's `selection and not filter`; compiled with the same `caseless`).
    public var unless: String?
    /// Match case-insensitively.
    public var caseless = false
    /// Only records at these levels (all when empty).
    public var logLevels: Set<Level> = []
    /// Only records with these codes (all when empty).
    public var codes: Set<Int> = []
    /// Only records whose `source` is one of these, compared without case (all when empty).
    public var sources: [String] = []
    /// Only records from these products (all when empty).
    public var products: Set<Product> = []
    /// A literal the text must contain for the pattern to be tried (declared, or derived from the pattern).
    public var literal: String?
    public var references: [RuleReference] = []
    public var falsePositives: [String] = []
    public var tags: [String] = []
    /// What the rule's events are evidence of for the diagnosis (nil: reported, not weighed).
    public var evidence: Evidence?
    public var mustMatch: [RuleSample] = []
    public var mustNotMatch: [RuleSample] = []
    public var origin: RuleOrigin

    public init(id: String, title: String, category: RuleCategory, pattern: String, origin: RuleOrigin) {
        self.id = id
        self.title = title
        self.category = category
        self.pattern = pattern
        self.origin = origin
    }
}
