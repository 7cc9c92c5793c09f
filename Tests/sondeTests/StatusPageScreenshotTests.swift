#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

/// The status page of a running agent as a real browser draws it: headless Chromium loads `/` and
/// its charts under the API's Content-Security-Policy, and the screenshot is kept in
/// `.artifacts/status-page.png` for a reviewer to look at.
@Suite("the status page in a browser", .exclusiveMachineUse)
struct StatusPageScreenshotTests {
    /// The repository's root, from this file's place in it (Tests/sondeTests/).
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()

    /// The status page's charts (`StatusPageChart.all` in SondeAPI).
    static let chartCount = 8

    /// The embedded defaults (SondeConfig.embeddedDefaults), but with the API and statsd on free
    /// ports, since another agent or test may hold 9733 and 8125, host samples every second, so a
    /// few seconds give the charts lines to draw, and the rules below.
    static func configuration(rules: String) -> String {
        """
        storage:
          max_bytes: 256MiB
          max_series: 50000
          flush_interval: 1s
        api:
          listen: 127.0.0.1:0
        collectors:
          host: {interval: 1s}
          process: {interval: 10s}
          statsd: {listen: 127.0.0.1:0}
        rules:
          files: [\(rules)]
          evaluation_interval: 1s
        """
    }

    /// Two rules over real host data, so the page shows a firing and a pending alert: one holds at
    /// once, the other waits an hour before it fires. A label carries markup, which must show as text.
    static let rules = """
        groups:
          - name: status-page
            rules:
              - alert: HostMemoryInUse
                expr: host_memory_used_percent > 0
                labels: {severity: info, note: '<script>alert(1)</script>'}
                annotations: {summary: 'memory is {{ $value | printf "%.1f" }}% used'}
              - alert: HostCPUBusyForAnHour
                expr: host_cpu_utilization_percent >= 0
                for: 1h
                labels: {severity: warning}
                annotations: {summary: 'the CPU has been measured for an hour'}
        """

    @Test("headless Chromium renders / with every chart loaded from /graph")
    func screenshotOfTheStatusPage() async throws {
        let found = shell("command -v chromium")
        try #require(found.status == 0, "chromium is not installed: run scripts/install-deps.sh --test (it installs Debian's chromium)")
        let chromium = String(found.output.split(separator: "\n").first ?? "chromium")

        let scratch = TemporaryDirectory("sonde-page")
        writeFile(scratch.path + "/rules.yaml", Self.rules)
        writeFile(scratch.path + "/sonde.yaml", Self.configuration(rules: scratch.path + "/rules.yaml"))
        let running = Sonde.start(["run", "--config", scratch.path + "/sonde.yaml", "--data-dir", scratch.path + "/data"])
        defer { running.stop() }
        let address = try #require(running.listeningAddress())
        let url = "http://\(address)"
        // Host samples come every second; wait for 15, so the charts of a short range have a line to draw.
        let enough = await waitUntil(seconds: 40, interval: .milliseconds(250)) {
            shell("curl -sf '\(url)/api/v1/query?query=count_over_time(host_cpu_utilization_percent%5B1m%5D)%20%3E%3D%2015'").output
                .contains("\"value\":")
        }
        #expect(enough, "the host collector stored samples")
        let page = shell("curl -sf \(url)/").output
        #expect(page.contains("1 firing, 1 pending"), "\(page.prefix(3000))")
        #expect(page.contains("note=&lt;script&gt;alert(1)&lt;/script&gt;"))

        // The page as it opens (the last hour, where a new agent's data is a sliver at the right
        // edge), and the last minute, where the same data fills a quarter of each chart.
        var graphsLoaded = 0
        for (path, name) in [("/", "status-page.png"), ("/?range=1m", "status-page-1m.png")] {
            let screenshot = scratch.path + "/" + name
            screenshotOf(url + path, to: screenshot, chromium: chromium, profile: scratch.path + "/chromium-profile")
            // Chromium asked for every chart: it takes the screenshot once the page and its images have loaded.
            let metrics = shell("curl -sf \(url)/metrics").output
            let graphs = metrics.firstMatch(of: /sonde_api_requests_total\{code="200",route="\/graph"\} ([0-9]+)/).flatMap { Int($0.1) } ?? 0
            let counts = metrics.split(separator: "\n").filter { $0.contains("sonde_api_requests_total") }
            #expect(graphs >= graphsLoaded + Self.chartCount, "\(path): charts loaded: \(counts)")
            #expect(!metrics.contains(/sonde_api_requests_total\{code="[45][0-9][0-9]",route="\/graph"\}/), "no chart failed")
            graphsLoaded = graphs

            let artifacts = Self.repositoryRoot + "/.artifacts"
            let copy = shell("mkdir -p '\(artifacts)' && cp '\(screenshot)' '\(artifacts)/\(name)'")
            #expect(copy.status == 0, "\(copy.output)")
        }
    }

    /// Loads `url` in headless Chromium and saves a 1280×2000 screenshot of it as PNG.
    func screenshotOf(_ url: String, to path: String, chromium: String, profile: String) {
        // As root Chromium needs --no-sandbox; a throwaway profile keeps it from reading or leaving
        // anything in a home directory; /dev/shm in a container is often too small for it.
        let browser = shell(
            "timeout 120 \(chromium) --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars"
                + " --user-data-dir=\(profile) --window-size=1280,2000 --screenshot=\(path) '\(url)'")
        #expect(browser.status == 0, "chromium failed on \(url): \(browser.output.suffix(2000))")
        let png = TestFiles.read(path)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG was written for \(url)")
        // A blank 1280×2000 page compresses to a few KiB; text, tables and charts take far more.
        #expect(png.count > 20_000, "the screenshot of \(url) has content: \(png.count) bytes")
    }
}
