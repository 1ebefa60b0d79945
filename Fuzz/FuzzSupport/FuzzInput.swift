import GISLogInput

/// Reads fuzz inputs for the replay mode of the fuzz targets (not API).
public enum FuzzInput {
    public static func read(_ path: String) -> [UInt8] {
        (try? readWholeFile(path, limit: 64 << 20)) ?? []
    }

    /// Runs each file in `paths` through `entry`.
    public static func replay(_ paths: some Sequence<String>, through entry: ([UInt8]) -> Void) {
        for path in paths { entry(read(path)) }
    }
}
