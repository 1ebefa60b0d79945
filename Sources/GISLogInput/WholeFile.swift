/// Reads a whole (small) file.
package func readWholeFile(_ path: String, limit: Int) throws(InputError) -> [UInt8] {
    let source = try FileSource(path: path)
    var bytes: [UInt8] = []
    // Room for all of it at once: grown by doubling, a 35 MB file (a big site's state) briefly took three
    // times its size (the old storage and the new).
    if let size = source.size { bytes.reserveCapacity(Int(min(Int64(limit), max(0, size))) + 1) }
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while bytes.count < limit {
        var outcome: Result<Int, InputError> = .success(0)
        chunk.withUnsafeMutableBytes { raw in outcome = Result { () throws(InputError) in try source.read(into: raw) } }
        let count = try outcome.get()
        if count == 0 { break }
        bytes += chunk[..<count]
    }
    return bytes
}
