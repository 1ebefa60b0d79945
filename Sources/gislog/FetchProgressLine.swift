internal import Glibc
import GISLogKit
import GISLogSupport

/// The line `gislog fetch` (and `scan --server`/`--portal`) keeps up to date on a terminal while pages come
/// in — which site, which page, how many records — erased when the fetch ends (its summary follows).
/// Used from the one thread that fetches. Shown only where the scan's progress would be.
final class FetchProgressLine {
    private let enabled: Bool
    private var lastDraw: Int64 = 0
    private var onScreen = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    /// After each page: redraws, at most ten times a second.
    func page(site: String, pages: Int, records: Int) {
        guard enabled else { return }
        let now = ScanProgress.now()
        guard !onScreen || now - lastDraw >= Int64(ProgressMeter.redrawInterval) * 1_000_000 else { return }
        lastDraw = now
        let line = ProgressText.fetching(site: site, page: pages, records: records)
        write("\r" + ProgressText.fit(line, width: Terminal.columns(of: 2)) + "\u{1B}[K")
        onScreen = true
    }

    /// Erases the line (before the summary, or an error).
    func end() {
        guard onScreen else { return }
        write("\r\u{1B}[K")
        onScreen = false
    }

    deinit { end() }

    private func write(_ text: String) {
        let err = OutputFile.standardError()
        err.write(text)
        err.flush()
    }
}
