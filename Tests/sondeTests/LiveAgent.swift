#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport

/// Helpers for tests that run `sonde run` and talk to it over loopback.

/// Runs a shell command line; its exit status and what it printed (stdout and stderr).
func shell(_ command: String) -> (status: Int32, output: String) {
    let out = "/tmp/sonde-api-shell-\(UInt64.random(in: 0...UInt64.max)).out"
    defer { unlink(out) }
    let status = TestFiles.run(["sh", "-c", "(\(command)) > \(out) 2>&1"])
    return (status, readFile(out))
}

extension Sonde.Running {
    /// Stops the agent with SIGTERM and waits for it.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        _ = finish(status: status)
    }

    /// The address the agent's log says its API listens on.
    func listeningAddress() -> Substring? {
        guard waitForFile(errPath, containing: "api listening") else { return nil }
        return readFile(errPath).firstMatch(of: /api.address=(127\.0\.0\.1:[0-9]+)/)?.1
    }
}
