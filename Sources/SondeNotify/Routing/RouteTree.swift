import SondeCore

/// The routing tree, ready to match alerts: Alertmanager's `dispatch.Route`. An alert descends
/// into the first child that matches (and on to later siblings when that child has `continue`); a
/// node none of whose children match takes the alert itself.
public struct RouteTree: Sendable {
    public struct Node: Sendable {
        /// The position in the tree (`[0, 2]`: the root's first child's third child); unique.
        public let path: [Int]
        /// Alertmanager's route key (`{}/{severity="critical"}`), the first half of a group key.
        public let key: String
        public let route: AlertmanagerConfig.Route
        /// Sorted as Alertmanager sorts a route's matchers.
        public let matchers: [LabelMatcher]
        let children: [Node]

        func matches(_ labels: Labels) -> Bool {
            matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
        }
    }

    public let root: Node

    public init(_ route: AlertmanagerConfig.Route) {
        root = Self.node(route, path: [], parentKey: nil)
    }

    private static func node(_ route: AlertmanagerConfig.Route, path: [Int], parentKey: String?) -> Node {
        let matchers = route.matchers.sorted(by: matcherOrder)
        let own = "{" + matchers.map { $0.name + $0.op.rawValue + "\"" + Labels.escape($0.value) + "\"" }.joined(separator: ",") + "}"
        let key = parentKey.map { $0 + "/" + own } ?? own
        let children = route.routes.enumerated().map { node($1, path: path + [$0], parentKey: key) }
        return Node(path: path, key: key, route: route, matchers: matchers, children: children)
    }

    /// Alertmanager's `labels.Matchers` order: by name, then value, then positive before negative.
    private static func matcherOrder(_ lhs: LabelMatcher, _ rhs: LabelMatcher) -> Bool {
        if lhs.name != rhs.name { return lhs.name < rhs.name }
        if lhs.value != rhs.value { return lhs.value < rhs.value }
        let negative: (LabelMatcher) -> Bool = { $0.op == .notEqual || $0.op == .regexNoMatch }
        return !negative(lhs) && negative(rhs)
    }

    /// The routes that take an alert with these labels, in tree order.
    public func match(_ labels: Labels) -> [Node] {
        Self.match(root, labels) ?? [root]
    }

    private static func match(_ node: Node, _ labels: Labels) -> [Node]? {
        guard node.matches(labels) else { return nil }
        var all: [Node] = []
        for child in node.children {
            guard let matched = match(child, labels) else { continue }
            all += matched
            if !child.route.continueMatching { break }
        }
        return all.isEmpty ? [node] : all
    }

    /// Every node, depth first.
    public var nodes: [Node] {
        var result: [Node] = []
        func visit(_ node: Node) {
            result.append(node)
            node.children.forEach(visit)
        }
        visit(root)
        return result
    }
}

extension RouteTree.Node {
    /// The labels an alert's aggregation group is keyed on in this route: the `group_by` labels it
    /// has, or all of them with `['...']`.
    public func groupLabels(of alert: Labels) -> Labels {
        if route.groupByAll { return alert }
        return Labels(route.groupBy.compactMap { name in alert[name].map { Label(name, $0) } })
    }

    /// Alertmanager's group key, `{}/{team="db"}:{alertname="HighCPU"}`: what the webhook payload's
    /// `groupKey` carries and what deduplicates notifications across restarts.
    public func groupKey(groupLabels: Labels) -> String {
        key + ":" + groupLabels.goLabelSetString
    }
}
