#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemd

/// The system bus through libsystemd's sd-bus: the default `SystemdBusProvider`.
///
/// Each `open()` makes a new private connection (`sd_bus_open_system`, not the thread-local
/// `sd_bus_default_system`), sets a 1 s method-call timeout, and checks that systemd is on the bus by
/// reading the manager's `Version`; a host without systemd, or with a dbus-daemon but no systemd
/// (a container), is `connectionLost`.
public struct SDBusProvider: SystemdBusProvider {
    public init() {}

    public func open() throws(SystemdBusError) -> any SystemdBusConnection {
        try SDBusConnection.openSystem()
    }
}

/// One sd-bus connection to the system bus, read with the blocking `sd_bus_get_property_*` calls.
///
/// `@unchecked Sendable` because an `sd_bus` object is not thread-safe, yet it is used safely: the
/// pointer is private, and the only reference to this object lives in `SystemdCollector`'s `Mutex`
/// and is only used while holding it, so one thread at a time touches the bus. sd-bus has no thread
/// affinity (it guards against use after `fork`, not against a change of thread), so moving between
/// the threads of the cooperative pool under the lock is fine. Every call is synchronous and
/// leaves no message queued, so the connection is idle between uses.
final class SDBusConnection: SystemdBusConnection, @unchecked Sendable {
    static let destination = "org.freedesktop.systemd1"
    static let managerPath = "/org/freedesktop/systemd1"
    static let unitPathPrefix = "/org/freedesktop/systemd1/unit"
    static let managerInterface = "org.freedesktop.systemd1.Manager"
    static let unitInterface = "org.freedesktop.systemd1.Unit"
    static let serviceInterface = "org.freedesktop.systemd1.Service"
    /// Per method call; systemd answers property reads in well under a millisecond when healthy.
    static let callTimeoutMicroseconds: UInt64 = 1_000_000

    private let bus: OpaquePointer
    private(set) var systemdVersion = ""

    private init(bus: OpaquePointer) {
        self.bus = bus
    }

    deinit {
        // Nothing is ever left queued (all calls are synchronous), so no flush is needed.
        sd_bus_close(bus)
        _ = sd_bus_unref(bus)
    }

    static func openSystem() throws(SystemdBusError) -> SDBusConnection {
        var pointer: OpaquePointer?
        let result = sd_bus_open_system(&pointer)
        guard result >= 0, let pointer else {
            throw SystemdBusError(.connectionLost, "cannot connect to the system bus: \(HostErrno(-result))")
        }
        let connection = SDBusConnection(bus: pointer)  // closes the bus on every path below
        _ = sd_bus_set_method_call_timeout(pointer, callTimeoutMicroseconds)
        do throws(SystemdBusError) {
            guard let version = try connection.string(managerPath, managerInterface, "Version") else {
                throw SystemdBusError(.connectionLost, "systemd on the system bus has no Version property")
            }
            connection.systemdVersion = version
        } catch {
            // Whatever the reason (no systemd on this bus, access denied), there is no usable systemd.
            throw SystemdBusError(.connectionLost, "systemd is not reachable on the system bus: \(error.message)")
        }
        return connection
    }

    func unitStatus(_ unit: String) throws(SystemdBusError) -> SystemdUnitStatus {
        let path = try objectPath(unit)
        let interface = Self.unitInterface
        // Reading a unit's path makes systemd load it on demand, so a missing unit answers with
        // LoadState "not-found" rather than an error (as `systemctl show` does).
        guard let load = try string(path, interface, "LoadState"),
            let active = try string(path, interface, "ActiveState"),
            let sub = try string(path, interface, "SubState")
        else {
            throw SystemdBusError(.callFailed, "\(unit): systemd reports no LoadState/ActiveState/SubState")
        }
        var status = SystemdUnitStatus(loadState: load, activeState: active, subState: sub)
        guard load != "not-found" else { return status }
        if let cgroupInterface = SystemdUnit.cgroupInterface(unit) {
            status.controlGroup = try string(path, cgroupInterface, "ControlGroup")
        }
        if SystemdUnit.isService(unit) {
            let service = Self.serviceInterface
            status.service = SystemdServiceStatus(
                restarts: try integer(path, service, "NRestarts", type: "u", as: UInt32.self),
                result: try string(path, service, "Result"),
                execMainStatus: try integer(path, service, "ExecMainStatus", type: "i", as: Int32.self),
                mainPID: try integer(path, service, "MainPID", type: "u", as: UInt32.self)
            )
        }
        return status
    }

    // MARK: - sd-bus calls

    /// `/org/freedesktop/systemd1/unit/nginx_2eservice`: sd-bus's escaping of the unit name.
    private func objectPath(_ unit: String) throws(SystemdBusError) -> String {
        var encoded: UnsafeMutablePointer<CChar>?
        let result = sd_bus_path_encode(Self.unitPathPrefix, unit, &encoded)
        guard result >= 0, let encoded else {
            throw SystemdBusError(.callFailed, "cannot encode the object path of \(unit): \(HostErrno(-result))")
        }
        defer { free(encoded) }
        return String(cString: encoded)
    }

    /// A string (`s`) property; nil when the object has no such property (older systemd).
    private func string(_ path: String, _ interface: String, _ member: String) throws(SystemdBusError) -> String? {
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)  // SD_BUS_ERROR_NULL
        defer { sd_bus_error_free(&error) }
        var value: UnsafeMutablePointer<CChar>?
        let result = sd_bus_get_property_string(bus, Self.destination, path, interface, member, &error, &value)
        if result < 0 {
            try classify(result, error, path, interface, member)
            return nil
        }
        guard let value else { return "" }
        defer { free(value) }
        return String(cString: value)
    }

    /// A fixed-size integer property of D-Bus type `type` (`u`, `i`, …), read into `T`, which must
    /// have that type's size; nil when the object has no such property.
    private func integer<T: FixedWidthInteger>(
        _ path: String, _ interface: String, _ member: String, type: Unicode.Scalar, as: T.Type
    ) throws(SystemdBusError) -> T? {
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
        defer { sd_bus_error_free(&error) }
        var value: T = 0
        let typeCode = CChar(truncatingIfNeeded: type.value)
        let result = withUnsafeMutableBytes(of: &value) { raw in
            sd_bus_get_property_trivial(bus, Self.destination, path, interface, member, &error, typeCode, raw.baseAddress)
        }
        if result < 0 {
            try classify(result, error, path, interface, member)
            return nil
        }
        return value
    }

    /// Throws for a failed call, or returns when the failure only means "no such property".
    private func classify(
        _ result: Int32, _ error: sd_bus_error, _ path: String, _ interface: String, _ member: String
    ) throws(SystemdBusError) {
        let name: String? = error.name.map { String(cString: $0) }
        let message: String? = error.message.map { String(cString: $0) }
        if name == "org.freedesktop.DBus.Error.UnknownProperty" { return }
        let what = "\(interface).\(member) of \(path)"
        let reason = [name, message].compactMap { $0 }.joined(separator: ": ")
        let detail = reason.isEmpty ? "\(HostErrno(-result))" : reason
        if Self.meansConnectionLost(result, name) || sd_bus_is_open(bus) <= 0 {
            throw SystemdBusError(.connectionLost, "reading \(what): \(detail)")
        }
        throw SystemdBusError(.callFailed, "reading \(what): \(detail)")
    }

    /// Errors after which the connection is not worth keeping: it broke, systemd is gone from the
    /// bus, or a call timed out (systemd is stuck; the late reply would only confuse a reused bus).
    private static func meansConnectionLost(_ result: Int32, _ name: String?) -> Bool {
        switch -result {
        case ENOTCONN, ECONNRESET, EPIPE, ESHUTDOWN, ETIMEDOUT, ECONNREFUSED: return true
        default: break
        }
        switch name {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
            "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout",
            "org.freedesktop.DBus.Error.Disconnected":
            return true
        default:
            return false
        }
    }
}
