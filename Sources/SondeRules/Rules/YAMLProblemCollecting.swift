import SondeCore

/// The readers of rule files and rule test files walk a YAML tree and collect every problem
/// instead of stopping at the first; these are the checks they share.
protocol YAMLProblemCollecting {
    var errors: [ParseError] { get set }
}

extension YAMLProblemCollecting {
    /// The entries of a mapping whose keys are all `allowed` (an unknown key is a problem, as Go's
    /// strict unmarshalling makes it); a null is an empty mapping.
    mutating func mapping(_ node: YAMLNode, allowed: [String], what: String) -> [String: YAMLNode]? {
        if node.isNull { return [:] }
        guard let entries = node.mapping else {
            errors.append(node.position.error("\(what): expected a mapping, found \(node.summary)"))
            return nil
        }
        var result: [String: YAMLNode] = [:]
        for entry in entries {
            if allowed.contains(entry.key) {
                result[entry.key] = entry.value
            } else {
                errors.append(entry.keyPosition.error("\(what): unknown field \"\(entry.key)\"; expected one of: \(allowed.joined(separator: ", "))"))
            }
        }
        return result
    }

    /// The items of a list; a null is an empty list.
    mutating func sequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        if node.isNull { return [] }
        guard let items = node.sequence else {
            errors.append(node.position.error("\(what): expected a list, found \(node.summary)"))
            return nil
        }
        return items
    }
}
