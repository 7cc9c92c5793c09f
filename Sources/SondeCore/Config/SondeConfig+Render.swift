extension SondeConfig {
    /// The effective configuration as YAML, every default spelled out, secrets replaced by
    /// `<redacted>` (passwords, and user info in URLs). What `sonde check` prints.
    public func rendered() -> String {
        var lines: [String] = []
        func line(_ indent: Int, _ text: String) { lines.append(String(repeating: "  ", count: indent) + text) }
        func quote(_ text: String) -> String {
            var out = "'"
            for character in text { out += character == "'" ? "''" : String(character) }
            return out + "'"
        }
        func duration(_ value: Duration) -> String { DurationParser.format(value.inMilliseconds) }

        line(0, "storage:")
        line(1, "max_bytes: \(ByteSize.format(storage.maxBytes).replacing(" ", with: ""))")
        line(1, "max_series: \(storage.maxSeries)")
        line(1, "flush_interval: \(duration(storage.flushInterval))")
        line(1, "tier_shares: {raw: \(storage.tierShares["raw"] ?? 0), 1m: \(storage.tierShares["1m"] ?? 0), 1h: \(storage.tierShares["1h"] ?? 0)}")
        line(0, "api:")
        line(1, "listen: \(api.listen.map(\.description) ?? "''")")
        if let socket = api.unixSocket { line(1, "unix_socket: \(quote(socket))") }
        if let tokenFile = api.tokenFile { line(1, "token_file: \(quote(tokenFile))") }
        line(1, "query_timeout: \(duration(api.queryTimeout))")
        line(1, "max_samples: \(api.maxSamples)")
        line(1, "max_concurrent_queries: \(api.maxConcurrentQueries)")
        line(0, "collectors:")
        line(1, "host: {enabled: \(collectors.host.enabled), interval: \(duration(collectors.host.interval))}")
        line(1, "process:")
        line(2, "enabled: \(collectors.process.enabled)")
        line(2, "interval: \(duration(collectors.process.interval))")
        if collectors.process.groups.isEmpty {
            line(2, "groups: []  # the embedded defaults: gunicorn, postgres, nginx, sonde")
        } else {
            line(2, "groups:")
            for group in collectors.process.groups {
                line(3, "- name: \(quote(group.name))")
                var match: [String] = []
                if let comm = group.comm { match.append("comm: \(quote(comm))") }
                if let exe = group.exe { match.append("exe: \(quote(exe))") }
                if let cmdline = group.cmdline { match.append("cmdline: \(quote(cmdline))") }
                if let user = group.user { match.append("user: \(quote(user))") }
                if let pidfile = group.pidfile { match.append("pidfile: \(quote(pidfile))") }
                if let unit = group.systemdUnit { match.append("systemd_unit: \(quote(unit))") }
                line(4, "match: {\(match.joined(separator: ", "))}")
            }
        }
        line(1, "systemd:")
        line(2, "enabled: \(collectors.systemd.enabled)")
        line(2, "interval: \(duration(collectors.systemd.interval))")
        line(2, "units: " + (collectors.systemd.units.map { "[\($0.map(quote).joined(separator: ", "))]" } ?? "null  # every unit whose process group is watched"))
        line(1, "statsd:")
        line(2, "enabled: \(collectors.statsd.enabled)")
        line(2, "listen: \(collectors.statsd.listen.map(\.description) ?? "''")")
        if let socket = collectors.statsd.unixSocket { line(2, "unix_socket: \(quote(socket))") }
        line(2, "quantiles: [\(collectors.statsd.quantiles.map { "\($0)" }.joined(separator: ", "))]")
        line(2, "max_series: \(collectors.statsd.maxSeries)")
        line(1, "gunicorn:\(collectors.gunicorn.isEmpty ? " []" : "")")
        for app in collectors.gunicorn {
            line(2, "- app: \(quote(app.app))")
            if let access = app.accessLog { line(3, "access_log: \(quote(access))") }
            if let error = app.errorLog { line(3, "error_log: \(quote(error))") }
            if let format = app.format { line(3, "format: \(quote(format))") }
            line(3, "interval: \(duration(app.interval))")
            if let buckets = app.durationBuckets { line(3, "duration_buckets: [\(buckets.map { "\($0)" }.joined(separator: ", "))]") }
            line(3, "max_routes: \(app.maxRoutes)")
            if !app.routes.isEmpty {
                line(3, "routes:")
                for route in app.routes { line(4, "- {pattern: \(quote(route.pattern)), route: \(quote(route.route))}") }
            }
            line(3, "max_line_length: \(app.maxLineBytes)")
            line(3, "start_at: \(app.startAt.rawValue)")
            line(3, "rotate_wait: \(duration(app.rotateWait))")
        }
        line(1, "postgres:\(collectors.postgres.isEmpty ? " []" : "")")
        for server in collectors.postgres {
            line(2, "- name: \(quote(server.name))")
            line(3, "dsn: \(quote(server.parsedDSN.redacted))")
            if server.password != nil { line(3, "password: <redacted>") }
            line(3, "interval: \(duration(server.interval))")
            line(3, "statement_timeout: \(duration(server.statementTimeout))")
            line(3, "top_tables: \(server.topTables)")
            line(3, "top_statements: \(server.topStatements)")
        }
        line(1, "probes:\(collectors.probes.isEmpty ? " []" : "")")
        for probe in collectors.probes {
            line(2, "- name: \(quote(probe.name))")
            line(3, "url: \(quote(Self.redactingUserInfo(probe.url)))")
            line(3, "interval: \(duration(probe.interval))")
            line(3, "timeout: \(duration(probe.timeout))")
            line(3, "ip_version: \(probe.ipVersion == .any ? "any" : "'\(probe.ipVersion.rawValue)'")")
            if probe.isTCP { continue }
            line(3, "method: \(probe.method)")
            if !probe.headers.isEmpty {
                line(3, "headers:")
                for header in probe.headers { line(4, "\(header.name): \(header.secret ? "<redacted>" : quote(header.value))") }
            }
            if let body = probe.body { line(3, "body: \(quote(body))") }
            line(3, "expect_status: [\(probe.expectStatus.map(String.init).joined(separator: ", "))]\(probe.expectStatus.isEmpty ? "  # any 2xx" : "")")
            line(3, "body_must_match: [\(probe.bodyMustMatch.map(quote).joined(separator: ", "))]")
            line(3, "body_must_not_match: [\(probe.bodyMustNotMatch.map(quote).joined(separator: ", "))]")
            line(3, "follow_redirects: \(probe.followRedirects)")
            line(3, "max_redirects: \(probe.maxRedirects)")
            if probe.url.hasPrefix("https://") {
                var tls: [String] = []
                if let caFile = probe.tls.caFile { tls.append("ca_file: \(quote(caFile))") }
                if let cert = probe.tls.clientCert { tls.append("client_cert: \(quote(cert))") }
                if let key = probe.tls.clientKey { tls.append("client_key: \(quote(key))") }
                tls.append("insecure: \(probe.tls.insecure)")
                line(3, "tls: {\(tls.joined(separator: ", "))}")
            }
        }
        line(1, "billing:")
        line(2, "enabled: \(collectors.billing.enabled)")
        line(2, "interval: \(duration(collectors.billing.interval))")
        line(2, "endpoint: \(quote(collectors.billing.endpoint))")
        line(2, "per_service: \(collectors.billing.perService)")
        line(0, "rules:")
        line(1, "files: [\(rules.files.map(quote).joined(separator: ", "))]")
        line(1, "evaluation_interval: \(duration(rules.evaluationInterval))")
        line(1, "outage_tolerance: \(duration(rules.outageTolerance))")
        if notify.isConfigured {
            line(0, "notify:")
            if let file = notify.configFile {
                line(1, "config_file: \(quote(file))")
            } else {
                // Alertmanager's keys hold webhook URLs and tokens: `sonde check` names them only.
                let keys = notify.inline?.mapping?.map(\.key) ?? []
                line(1, "# inline Alertmanager configuration (\(keys.joined(separator: ", "))), not shown: it may hold secrets")
            }
            line(1, "max_age: \(duration(notify.maxAge))")
            line(1, "outbox_max_bytes: \(ByteSize.format(notify.outboxMaxBytes).replacing(" ", with: ""))")
            if let url = notify.externalURL { line(1, "external_url: \(quote(url))") }
        }
        let cloudwatch = ship.cloudwatch
        func selectors(_ list: [SeriesSelector]) -> String {
            let texts = list.map { selector -> String in
                // A bare metric name reads best as itself.
                if selector.matchers.count == 1, let only = selector.matchers.first, only.name == Labels.metricNameLabel, only.op == .equal {
                    return only.value
                }
                return quote(selector.description)
            }
            return "[" + texts.joined(separator: ", ") + "]"
        }
        line(0, "ship:")
        line(1, "cloudwatch:")
        line(2, "enabled: \(cloudwatch.enabled)")
        if let region = cloudwatch.region {
            line(2, "region: \(region)")
        } else {
            line(2, "# region: from AWS_REGION, then AWS_DEFAULT_REGION, then the instance's (IMDSv2)")
        }
        if let endpoint = cloudwatch.endpoint { line(2, "endpoint: \(quote(Self.redactingUserInfo(endpoint)))") }
        line(2, "namespace: \(quote(cloudwatch.namespace))")
        line(2, "interval: \(duration(cloudwatch.interval))")
        line(2, "resolution: \(cloudwatch.resolution.rawValue)")
        line(2, "include: \(selectors(cloudwatch.include))")
        line(2, "exclude: \(selectors(cloudwatch.exclude))")
        line(2, "distribution: \(selectors(cloudwatch.distribution))")
        line(2, "dimensions: [\(cloudwatch.dimensions.joined(separator: ", "))]")
        let appended = cloudwatch.appendDimensions.map { dimension -> String in
            switch dimension {
            case .instance(let name): name
            case .fixed(let name, let value): "{\(quote(name)): \(quote(value))}"
            }
        }
        line(2, "append_dimensions: [\(appended.joined(separator: ", "))]")
        line(2, "naming: \(cloudwatch.naming.rawValue)")
        line(2, "gzip: \(cloudwatch.gzip)")
        if cloudwatch.naming == .cwagent { line(2, "cwagent_metrics: [\(cloudwatch.cwagentMetrics.joined(separator: ", "))]") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `postgres://user:secret@host/db` → `postgres://user:<redacted>@host/db` (a password in a URL).
    static func redactingUserInfo(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<rest.index(after: colon)]) + "<redacted>" + String(rest[at...])
    }
}
