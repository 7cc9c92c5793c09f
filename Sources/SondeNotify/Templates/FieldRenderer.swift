import SondeRules

/// Renders one notification's configuration fields (a Slack title, an SNS subject), as
/// Alertmanager's `tmplText` does, with one difference: where Alertmanager fails the whole
/// notification when a template fails at run time (and so never sends it, since the failure
/// repeats), sonde renders that field with Alertmanager's default instead, and reports the
/// failure to be logged and counted. A person still gets paged.
struct FieldRenderer {
    let templates: NotificationTemplates
    let data: TemplateValue
    /// `field: error`, one per field that fell back.
    private(set) var failures: [String] = []

    init(templates: NotificationTemplates, data: NotificationData) {
        self.templates = templates
        self.data = data.templateValue
    }

    /// `text` rendered; on failure `fallback` rendered with the defaults alone.
    mutating func render(_ text: String, field: String, fallback: String) -> String {
        do {
            return try templates.set.render(text, data: data)
        } catch {
            failures.append("\(field): \(error.line):\(error.column): \(error.message)")
            return (try? NotificationTemplates.defaults.set.render(fallback, data: data)) ?? fallback
        }
    }
}
