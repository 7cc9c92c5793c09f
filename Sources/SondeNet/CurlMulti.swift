#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Synchronization

/// One request on its way through `CurlMulti`: the configured easy handle and the continuation of
/// the task waiting for it.
///
/// `@unchecked Sendable`: the submitting task builds it and hands it over through `CurlMulti`'s
/// lock; from then on only the driver thread touches `easy`, until it resumes the continuation,
/// after which only the submitting task (which drops it) holds a reference.
final class CurlTransfer: @unchecked Sendable {
    let easy: CurlEasy
    private let continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>

    init(easy: CurlEasy, continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) {
        self.easy = easy
        self.continuation = continuation
    }

    func complete(_ result: Result<HTTPResponse, HTTPError>) { continuation.resume(returning: result) }

    func completeCancelled() { complete(.failure(easy.cancelledError())) }
}

/// A libcurl multi handle and the one thread that drives every transfer on it.
///
/// Tasks submit transfers (and cancellations) through a lock-protected queue and wake the thread
/// with `curl_multi_wakeup`, the one multi call libcurl allows from another thread. The thread adds
/// what was submitted, lets libcurl do all the I/O it can without blocking (`curl_multi_perform`),
/// resumes the continuation of every finished transfer, and sleeps in `curl_multi_poll` until a
/// socket is ready, a libcurl timer (a request's timeout) is due, or it is woken. So any number of
/// requests run concurrently on one thread and never on the cooperative pool; connections and DNS
/// answers are cached across requests unless a request asks for a fresh connection.
///
/// The process has one (`shared`), started with the first request and never stopped: an idle
/// driver sleeps in `curl_multi_poll` and costs nothing.
final class CurlMulti: Sendable {
    static let shared = CurlMulti()

    private struct Queue {
        var started = false
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
    }

    private let queue = Mutex(Queue())
    /// `CURLM *`, or nil when libcurl could not make one; every request then fails. Set once in
    /// `init`; only the driver thread uses it, but for `curl_multi_wakeup`.
    private let handle: Handle

    private struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer?
    }

    private init() {
        handle = Handle(pointer: Curl.globalInit == CURLE_OK ? curl_multi_init() : nil)
    }

    /// Hands `transfer` to the driver thread (started on first use). The transfer always completes:
    /// with its result, or at once with an error when the driver cannot run.
    func submit(_ transfer: CurlTransfer) {
        guard handle.pointer != nil else {
            transfer.complete(.failure(transfer.easy.startError("libcurl could not make a multi handle")))
            return
        }
        let startThread = queue.withLock { queue in
            queue.submitted.append(transfer)
            defer { queue.started = true }
            return !queue.started
        }
        if startThread {
            let started = RequestThread.start { [self] in drive() }
            if !started {
                let stranded = queue.withLock { queue in
                    queue.started = false
                    defer { queue.submitted.removeAll() }
                    return queue.submitted
                }
                for transfer in stranded { transfer.complete(.failure(transfer.easy.startError("cannot start the HTTP thread (errno \(errno))"))) }
            }
        }
        wake()
    }

    /// Asks the driver to abort `transfer`; it completes with `HTTPError.Kind.cancelled` unless it
    /// finished first. Safe to call any number of times, before or after `submit`.
    func cancel(_ transfer: CurlTransfer) {
        transfer.easy.markCancelled()
        let notYetAdded = queue.withLock { queue in
            if let index = queue.submitted.firstIndex(where: { $0 === transfer }) {
                queue.submitted.remove(at: index)
                return true
            }
            queue.cancelled.append(transfer)
            return false
        }
        if notYetAdded {
            transfer.completeCancelled()
        } else {
            wake()
        }
    }

    private func wake() {
        if let multi = handle.pointer { _ = curl_multi_wakeup(multi) }
    }

    // MARK: - The driver thread

    private func drive() {
        guard let multi = handle.pointer else { return }
        /// Transfers added to the multi handle, by easy handle.
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let (submitted, cancelled) = queue.withLock { queue in
                defer {
                    queue.submitted.removeAll(keepingCapacity: true)
                    queue.cancelled.removeAll(keepingCapacity: true)
                }
                return (queue.submitted, queue.cancelled)
            }
            for transfer in submitted {
                // Cancelled between `submit` and now: `cancel` found it gone from the queue.
                if transfer.easy.isCancelled {
                    transfer.completeCancelled()
                    continue
                }
                let code = curl_multi_add_handle(multi, transfer.easy.handle)
                if code == CURLM_OK {
                    active[transfer.easy.handle] = transfer
                } else {
                    transfer.complete(.failure(transfer.easy.startError("curl_multi_add_handle: \(String(cString: curl_multi_strerror(code)))")))
                }
            }
            for transfer in cancelled {
                // Absent when it finished before the cancellation arrived (or was never added).
                guard active[transfer.easy.handle] === transfer else { continue }
                active[transfer.easy.handle] = nil
                curl_multi_remove_handle(multi, transfer.easy.handle)
                transfer.completeCancelled()
            }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easyHandle = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easyHandle)
                else { continue }
                let code = message.pointee.data.result
                // The result is read before removal: libcurl keeps the message's memory only until then.
                curl_multi_remove_handle(multi, easyHandle)
                transfer.complete(transfer.easy.finish(code))
            }
            // Idle, only a wakeup can bring work; busy, libcurl shortens the wait to its next timer.
            _ = curl_multi_poll(multi, nil, 0, active.isEmpty ? 60_000 : 1_000, nil)
        }
    }
}
