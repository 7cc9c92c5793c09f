#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A task executor with one thread of its own. Each collector's `collect` runs on one, so a
/// collector that blocks (a slow `statvfs`, a sd-bus call waiting for its timeout) blocks only its
/// own thread, never Swift's small cooperative pool (two threads on a two-core host), and never
/// delays another collector, the store's flushes or the timeout that abandons it.
final class CollectorThread: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopping` are only touched with `mutex` held; the pthread objects are
    // initialised before the thread starts and destroyed after it has been joined.
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread = pthread_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    func start() {
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let executor = Unmanaged<CollectorThread>.fromOpaque(argument).takeRetainedValue()
            executor.loop()
            return nil
        }, unmanaged.toOpaque())
    }

    /// Lets queued jobs finish, then ends the thread (a job blocked forever keeps it, by design:
    /// there is no safe way to stop a thread in the middle of a system call).
    func stop() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        pthread_detach(thread)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(&mutex)
        jobs.append(unowned)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(&condition, &mutex) }
            if jobs.isEmpty && stopping {
                pthread_mutex_unlock(&mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(&mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
