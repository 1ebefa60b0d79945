internal import Dispatch
internal import Glibc
internal import Synchronization

/// Runs an upstream source (gzip inflate) on a thread of its own, a few blocks ahead of the reader, so that
/// inflating and parsing one file use two cores.
///
/// The reader side is used by one thread; the upstream source is used only by the producer thread once it
/// is handed over. Dropping the source stops the producer and waits for it. Blocks keep room in front of
/// their bytes so that `lend` can give the reader a block to parse in place, with the unfinished record of
/// the previous block copied in front: the inflated bytes are never copied whole.
package final class PrefetchingSource: ByteSource {
    private let shared: Shared
    private var block = -1
    private var offset = 0
    private var count = 0
    private var ended = false
    package private(set) var storedBytesRead: Int64 = 0

    /// - Parameters:
    ///   - upstream: handed to the producer thread; the caller must not use it afterwards.
    ///   - blockSize: bytes per block.
    ///   - depth: blocks in flight (several, so that the two threads rarely wait for each other when
    ///     they run at about the same speed).
    ///   - headroom: the most bytes `lend` carries over; a longer unfinished record is copied by the reader.
    /// - Returns: nil when no thread can be started; `upstream` is then untouched, for the caller to read.
    package init?(upstream: any ByteSource, blockSize: Int = 1 << 20, depth: Int = 4, headroom: Int = 64 << 10) {
        precondition(depth >= 2, "lend keeps one block while the producer fills another")
        let shared = Shared(upstream: upstream, blockSize: blockSize, depth: depth, headroom: headroom)
        guard Self.spawn({ shared.produce() }) else { return nil }
        self.shared = shared
    }

    deinit {
        shared.cancelled.store(true, ordering: .releasing)
        shared.free.signal()
        shared.done.wait()
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if offset == count {
            if ended { return 0 }
            if block >= 0 { shared.free.signal() }
            shared.filled.wait()
            block = (block + 1) % shared.depth
            let slot = shared.slots[block]
            storedBytesRead = slot.storedBytes
            if let error = slot.error { ended = true; throw error }
            offset = 0
            count = slot.count
            if count == 0 { ended = true; return 0 }
        }
        let length = min(buffer.count, count - offset)
        buffer.baseAddress!.copyMemory(from: shared.bytes(block) + offset, byteCount: length)
        offset += length
        return length
    }

    package func lend(carrying carry: UnsafeRawBufferPointer) throws(InputError) -> UnsafeRawBufferPointer? {
        guard offset == count, !ended, carry.count <= shared.headroom else { return nil }
        shared.filled.wait()
        let next = (block + 1) % shared.depth
        let start = shared.bytes(next) - carry.count
        if carry.count > 0 { start.copyMemory(from: carry.baseAddress!, byteCount: carry.count) }
        // Only now may the producer reuse the previous block: `carry` may lie in it.
        if block >= 0 { shared.free.signal() }
        block = next
        let slot = shared.slots[block]
        storedBytesRead = slot.storedBytes
        if let error = slot.error { ended = true; throw error }
        offset = slot.count
        count = slot.count
        if count == 0 { ended = true }
        return UnsafeRawBufferPointer(start: start, count: carry.count + count)
    }

    /// State shared by the reader and the producer thread. Each slot is written by the producer before it
    /// signals `filled` and read by the reader after waiting on it; a slot is reused only after the reader
    /// signals `free`. The semaphores order every access.
    // SAFETY: see above; `upstream` is touched only by the producer thread.
    private final class Shared: @unchecked Sendable {
        struct Slot {
            var count = 0
            var storedBytes: Int64 = 0
            var error: InputError?
        }

        let upstream: any ByteSource
        let depth: Int
        let blockSize: Int
        /// Room in front of each block's bytes for what `lend` carries over.
        let headroom: Int
        /// Each: `headroom` bytes, then up to `blockSize` bytes of data, then slack for word-sized reads.
        let blocks: [UnsafeMutableRawBufferPointer]
        /// One slot per block, in raw memory so that the two threads touch only their own element (a Swift
        /// array would be one variable, and writing one element while the other thread reads another is a race).
        let slots: UnsafeMutablePointer<Slot>
        // Created at zero and signalled up: libdispatch aborts if a semaphore is freed below its start value.
        let filled = DispatchSemaphore(value: 0)
        let free = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let cancelled = Atomic<Bool>(false)

        init(upstream: any ByteSource, blockSize: Int, depth: Int, headroom: Int) {
            self.upstream = upstream
            self.depth = depth
            self.blockSize = blockSize
            self.headroom = headroom
            blocks = (0..<depth).map { _ in .allocate(byteCount: headroom + blockSize + 64, alignment: 64) }
            slots = .allocate(capacity: depth)
            slots.initialize(repeating: Slot(), count: depth)
            for _ in 0..<depth { free.signal() }
        }

        /// Where block `index`'s data starts.
        func bytes(_ index: Int) -> UnsafeMutableRawPointer { blocks[index].baseAddress! + headroom }

        deinit {
            for block in blocks { block.deallocate() }
            slots.deinitialize(count: depth)
            slots.deallocate()
        }

        func produce() {
            var index = 0
            while true {
                free.wait()
                if cancelled.load(ordering: .acquiring) { break }
                var slot = Slot()
                do throws(InputError) {
                    slot.count = try upstream.readFully(into: UnsafeMutableRawBufferPointer(start: bytes(index), count: blockSize))
                } catch {
                    slot.error = error
                }
                slot.storedBytes = upstream.storedBytesRead
                slots[index] = slot
                filled.signal()
                if slot.count == 0 || slot.error != nil { break }
                index = (index + 1) % depth
            }
            done.signal()
        }
    }

    /// Starts a POSIX thread (not a Dispatch worker: the scan's workers may fill Dispatch's pool and
    /// block on this thread, which must therefore always get to run).
    /// Returns false when the thread could not be created (running `body` here instead would block for
    /// good once the blocks are full, with nobody reading them).
    private static func spawn(_ body: @escaping @Sendable () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
