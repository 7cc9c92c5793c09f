#if canImport(Glibc)
import Glibc
#endif

/// Waiting for something a real process, socket or server does. Each polls and gives up after
/// `seconds`, returning whether it happened; the test asserts on that, so a wait never passes silently.

/// Waits until `condition` holds, checking every `interval`.
public func waitUntil(seconds: Double = 20, interval: Duration = .milliseconds(10), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
    while !condition() {
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
    return true
}

/// Waits until something exists at `path` (a file, or the socket a server binds).
public func waitForFile(_ path: String, seconds: Double = 20) async -> Bool {
    await waitUntil(seconds: seconds) {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// Waits until the file contains `text` (a log line the test expects), polling every 0.1 s; for tests
/// that run a process synchronously.
public func waitForFile(_ path: String, containing text: String, seconds: Double = 20) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
    while clock.now < deadline {
        if String(decoding: TestFiles.read(path), as: UTF8.self).contains(text) { return true }
        usleep(100_000)
    }
    return false
}
