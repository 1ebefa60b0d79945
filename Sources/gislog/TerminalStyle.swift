internal import Glibc

/// Whether to colour output: only on a terminal, and never with `NO_COLOR` set (https://no-color.org).
enum TerminalStyle {
    static var colorOnStdout: Bool {
        guard isatty(1) == 1, getenv("NO_COLOR") == nil else { return false }
        if let term = getenv("TERM").map({ String(cString: $0) }), term == "dumb" { return false }
        return true
    }
}
