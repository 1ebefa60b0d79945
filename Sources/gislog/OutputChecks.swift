import GISLogSupport


extension OutputFile {
    /// Finishes standard output (see `OutputFile.finish`); a write that did not arrive stops the command
    /// with exit 2 and the reason, rather than a success over output nobody got.
    /// - Parameter what: what was written, for the message ("the rule list").
    func finishOrFail(_ what: String) throws {
        do {
            try finish()
        } catch {
            throw CommandFailure("cannot write \(what) to standard output: \(error)")
        }
    }
}
