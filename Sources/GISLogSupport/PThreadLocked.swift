internal import Glibc

/// A value behind a pthread mutex, for every lock between gislog's threads: the thread sanitizer models
/// pthread mutexes, while `Synchronization.Mutex` is futex-based on Linux and invisible to it (CI's
/// sanitizer run reported races on values only ever touched under such a lock).
// SAFETY: `value` is only touched inside `withLock`, which holds the mutex.
package final class PThreadLocked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
