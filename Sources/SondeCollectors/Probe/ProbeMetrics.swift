/// Turns a probe's outcome into samples, each labelled `probe` (its name) and `target` (its URL
/// without user-info):
///
/// - `probe_success` 1 or 0, `probe_duration_seconds` (the whole run, failed ones too);
/// - `probe_phase_duration_seconds{phase}`: `dns`, `connect`, `tls`, `processing`, `transfer` (the
///   last request when redirects were followed), when an exchange completed;
/// - `probe_http_status_code`, `probe_response_bytes` (decoded body), `probe_redirects`,
///   `probe_http_version` (1, 1.1, 2, 3), when a response came;
/// - `probe_tls_version_info{version}` 1, `probe_tls_cert_expiry_timestamp_seconds` (earliest
///   notAfter of the chain) and `probe_tls_cert_days_left`, over TLS;
/// - `probe_failures_total{reason}`: every reason of `ProbeFailure`, counted since the agent started.
public enum ProbeMetrics {
    public static func add(
        _ outcome: ProbeOutcome, failures: [ProbeFailure: UInt64], probe: String, target: String, nowSeconds: Int64, to batch: inout MetricBatch
    ) {
        let labels = [("probe", probe), ("target", target)]
        batch.add("probe_success", outcome.success ? 1 : 0, labels)
        batch.add("probe_duration_seconds", outcome.durationSeconds, labels)
        if let info = outcome.info {
            let phases = info.timing.phases
            for (phase, seconds) in [("dns", phases.dns), ("connect", phases.connect), ("tls", phases.tls), ("processing", phases.processing), ("transfer", phases.transfer)] {
                batch.add("probe_phase_duration_seconds", seconds, labels + [("phase", phase)])
            }
            if let version = info.httpVersion, let number = Double(version) {
                batch.add("probe_http_version", number, labels)
                batch.add("probe_redirects", Double(info.redirectCount), labels)
            }
            if let tls = info.tlsVersion { batch.add("probe_tls_version_info", 1, labels + [("version", tls)]) }
            if let expiry = info.earliestCertificateExpiry {
                batch.add("probe_tls_cert_expiry_timestamp_seconds", Double(expiry), labels)
                batch.add("probe_tls_cert_days_left", Double(expiry - nowSeconds) / 86_400, labels)
            }
        }
        if let status = outcome.status { batch.add("probe_http_status_code", Double(status), labels) }
        if let bytes = outcome.responseBytes { batch.add("probe_response_bytes", Double(bytes), labels) }
        for reason in ProbeFailure.allCases {
            batch.add("probe_failures_total", Double(failures[reason] ?? 0), labels + [("reason", reason.rawValue)])
        }
    }
}
