/// Reads a fuzz input file for the replay mode of the fuzz targets (not API).
public enum FuzzInput {
    public static func read(_ path: String) -> [UInt8] {
        (try? readWholeFile(path, limit: 64 << 20)) ?? []
    }
}
