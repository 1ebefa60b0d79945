internal import Glibc

/// Sends one form and returns the answer; `HTTPSClient` in use, an in-memory site in tests.
public protocol HTTPTransport: AnyObject {
    /// Posts `form` (already `application/x-www-form-urlencoded`) to `url`.
    func post(_ url: String, form: String) throws(FetchError) -> HTTPResponse
}

/// How often, and how far apart, a request is tried again after a failure that may pass: a timeout, a
/// dropped connection, an HTTP 502, 503 or 504 from a proxy or a restarting site, a page cut off mid-JSON.
/// The pause doubles after each try, up to `maximumDelay`.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries per request, the first included (at least 1).
    public var attempts: Int
    /// The pause before the second try (milliseconds).
    public var firstDelay: Int64
    /// The longest pause (milliseconds).
    public var maximumDelay: Int64

    public init(retries: Int = 3, firstDelay: Int64 = 1_000, maximumDelay: Int64 = 30_000) {
        attempts = max(0, retries) + 1
        self.firstDelay = max(0, firstDelay)
        self.maximumDelay = max(self.firstDelay, maximumDelay)
    }

    /// The pause before try number `attempt` (2 for the first retry).
    public func delay(before attempt: Int) -> Int64 {
        var delay = firstDelay
        for _ in 0..<max(0, attempt - 2) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }

    /// HTTP statuses worth trying again: the gateway and availability errors of proxies and restarting sites.
    public static func isTransient(status: Int) -> Bool { status == 502 || status == 503 || status == 504 }
}

/// Sleeps for a number of milliseconds (the fetcher's pause between tries; tests pass one that only records).
public func sleepMilliseconds(_ milliseconds: Int64) {
    guard milliseconds > 0 else { return }
    var pause = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
    var rest = timespec()
    while nanosleep(&pause, &rest) != 0 && errno == EINTR { pause = rest }
}

extension FetchError {
    /// The same error with every occurrence of the secrets replaced, so that a site that echoes a request
    /// back cannot put a token or a password into a message, a log or a mail.
    func redacting(_ secrets: [String]) -> FetchError {
        var text = description
        for secret in secrets where secret.count >= 4 { text = text.replacing(secret, with: "[REDACTED]") }
        return FetchError(kind: kind, description: text, transient: transient)
    }

    /// The same error, saying how many tries it took.
    func afterTries(_ count: Int, waited milliseconds: Int64) -> FetchError {
        guard count > 1 else { return self }
        let seconds = (milliseconds + 500) / 1000
        var text = description
        if text.hasSuffix(".") { text.removeLast() }
        return FetchError(kind: kind, description: """
            \(text) (tried \(count) times over \(seconds) s; --retries sets how often). The site or a proxy in \
            front of it may be restarting or overloaded: run again later.
            """, transient: transient)
    }
}
