/// Unit names as the collector uses them: normalized, checked, and mapped to their D-Bus object,
/// interface and cgroup directory.
enum SystemdUnit {
    /// `nginx` means `nginx.service`, as for `systemctl` and the process collector's
    /// `systemd_unit` rule; names with a dot are taken as given.
    static func normalize(_ name: String) -> String {
        name.contains(".") ? name : name + ".service"
    }

    /// Whether `name` can be a unit name: not empty, no `/` (it becomes a cgroup path component), no
    /// control characters, at most 255 bytes (systemd's UNIT_NAME_MAX).
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, name != ".", name != ".." else { return false }
        return !name.utf8.contains { $0 == UInt8(ascii: "/") || $0 < 0x20 || $0 == 0x7f }
    }

    /// The systemd D-Bus interface holding `ControlGroup` for units of this type; nil for types
    /// without a cgroup (target, timer, path, device, automount).
    static func cgroupInterface(_ unit: String) -> String? {
        guard let dot = unit.lastIndex(of: ".") else { return nil }
        switch unit[unit.index(after: dot)...] {
        case "service": return "org.freedesktop.systemd1.Service"
        case "socket": return "org.freedesktop.systemd1.Socket"
        case "mount": return "org.freedesktop.systemd1.Mount"
        case "swap": return "org.freedesktop.systemd1.Swap"
        case "slice": return "org.freedesktop.systemd1.Slice"
        case "scope": return "org.freedesktop.systemd1.Scope"
        default: return nil
        }
    }

    static func isService(_ unit: String) -> Bool { unit.hasSuffix(".service") }

    /// Where systemd puts the unit's cgroup by default, relative to the cgroup v2 root, best guess
    /// first; used when the bus cannot say (`ControlGroup`). System services live in
    /// `system.slice`; instances of a template (`postgresql@14-main.service`) in
    /// `system.slice/system-<template>.slice`, with `-` in the template name escaped as `\x2d`.
    static func defaultCgroupPaths(_ unit: String) -> [String] {
        var paths = ["/system.slice/" + unit]
        if let at = unit.firstIndex(of: "@"), at != unit.startIndex {
            paths.append("/system.slice/system-" + escapeSliceComponent(unit[..<at]) + ".slice/" + unit)
        }
        return paths
    }

    /// systemd's `unit_name_escape` for the characters a template name can hold: `-` becomes `\x2d`.
    static func escapeSliceComponent(_ name: Substring) -> String {
        var out = ""
        for character in name {
            if character == "-" { out += "\\x2d" } else { out.append(character) }
        }
        return out
    }
}
