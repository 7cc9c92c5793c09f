#if canImport(Glibc)
import Glibc
#endif

/// A task executor with one thread of its own. Each collector's `collect` runs on one, so a
/// collector that blocks (a slow `statvfs`, a sd-bus call waiting for its timeout) blocks only its
/// own thread, never Swift's small cooperative pool (two threads on a two-core host), and never
/// delays another collector, the store's flushes or the timeout that abandons it.
final class CollectorThread: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopping` are only touched with `mutex` held. The mutex and the
    // condition are allocated, not stored properties: pthread objects must not move, and Swift does
    // not promise a fixed address for a stored `var` passed with `&`. The running thread holds a
    // strong reference, so they are destroyed (in deinit) only after the thread has ended.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var stopping = false

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Starts the thread, detached: it ends by itself once `stop()` was called and its queue is empty.
    func start() {
        let unmanaged = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let executor = Unmanaged<CollectorThread>.fromOpaque(argument).takeRetainedValue()
            executor.loop()
            return nil
        }, unmanaged.toOpaque())
        if created == 0 {
            pthread_detach(thread)
        } else {
            unmanaged.release()
        }
    }

    /// Lets queued jobs finish, then ends the thread (a job blocked forever keeps it, by design:
    /// there is no safe way to stop a thread in the middle of a system call).
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(unowned)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func loop() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
