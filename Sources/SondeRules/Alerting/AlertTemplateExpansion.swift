import SondeCore
import Synchronization

/// Builds the expander rule groups use for alert labels and annotations: Prometheus' template
/// language over `$labels`, `$value`, `$externalLabels` and `$externalURL`. A template that fails
/// renders as `<error expanding template: …>`, as Prometheus renders it, so one bad annotation never
/// loses the alert. Parsed templates are kept, so each text is parsed once.
public enum AlertTemplateExpansion {
    public static func expander(externalLabels: [String: String] = [:], externalURL: String = "") -> AlertTemplateExpander {
        let cache = Mutex<[String: AlertTemplate]>([:])
        return { text, labels, value in
            // Most label values are plain text.
            guard text.contains("{{") else { return text }
            do {
                let template: AlertTemplate
                if let cached = cache.withLock({ $0[text] }) {
                    template = cached
                } else {
                    template = try AlertTemplate.parse(text)
                    cache.withLock { $0[text] = template }
                }
                var labelMap: [String: String] = [:]
                for pair in labels.pairs { labelMap[pair.name] = pair.value }
                return try template.render(AlertTemplateData(
                    labels: labelMap, value: value, externalLabels: externalLabels, externalURL: externalURL))
            } catch {
                return "<error expanding template: \(error)>"
            }
        }
    }
}
