internal import Dispatch
internal import Synchronization
import GISLogRecords
public import GISLogInput
import GISLogSupport

/// Reads files through the input stack only (open, gzip, UTF-16) and discards the bytes: the baseline
/// that the benchmark compares a full scan with.
public enum InputBenchmark {
    /// Returns the number of decoded bytes read from `files`.
    public static func readAll(_ files: [InputFile], workers: Int) -> Int64 {
        let total = Atomic<Int64>(0)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, files.count))) { _ in
            let buffer = ReadBuffer()
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { break }
                let warnings = WarningLog(path: files[index].path)
                guard let opened = try? InputOpener.open(path: files[index].path, warnings: warnings,
                                                         decompressedLimit: .max) else { continue }
                var bytes: Int64 = 0
                while let count = try? opened.source.read(into: UnsafeMutableRawBufferPointer(
                    start: buffer.storage.baseAddress, count: buffer.chunkSize)), count > 0 {
                    bytes += Int64(count)
                }
                total.add(bytes, ordering: .relaxed)
            }
        }
        return total.load(ordering: .relaxed)
    }
}
