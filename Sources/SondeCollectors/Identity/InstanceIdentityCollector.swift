import Logging
import SondeAWS
import Synchronization

/// Reports which machine this is as one info series, so dashboards and alerts can join on it:
///
///     sonde_instance_info{instance, instance_id, instance_type, availability_zone, region, ami_id} 1
///
/// `instance` is the instance id on EC2, else the host name; labels that are unknown (all but
/// `instance` off EC2) are left out. The identity is either given (discovered by the agent at
/// startup) or discovered on the first `collect`, once: never retried, so a host off EC2 pays one
/// short metadata timeout, and never again.
public final class InstanceIdentityCollector: Collector {
    public let name = "identity"
    private let source: Source
    private let identity: Mutex<InstanceIdentity?>

    private enum Source: Sendable {
        case fixed
        case discover(metadata: InstanceMetadataClient, hostname: String, logger: Logger)
    }

    /// Reports `identity`.
    public init(identity: InstanceIdentity) {
        self.source = .fixed
        self.identity = Mutex(identity)
    }

    /// Discovers the identity on the first `collect` (see `InstanceIdentity.discover`).
    public init(
        metadata: InstanceMetadataClient, hostname: String = InstanceIdentity.localHostname(),
        logger: Logger = Logger(label: "sonde.identity")
    ) {
        self.source = .discover(metadata: metadata, hostname: hostname, logger: logger)
        self.identity = Mutex(nil)
    }

    /// The identity reported, once known.
    public var current: InstanceIdentity? { identity.withLock { $0 } }

    public func collect(into batch: inout MetricBatch) async throws {
        let known: InstanceIdentity
        if let current {
            known = current
        } else if case .discover(let metadata, let hostname, let logger) = source {
            // `collect` never runs concurrently with itself, so this is the only discovery.
            known = await InstanceIdentity.discover(metadata: metadata, hostname: hostname, logger: logger)
            identity.withLock { $0 = known }
        } else {
            return
        }
        Self.add(known, to: &batch)
    }

    /// Adds `sonde_instance_info` for `identity`.
    public static func add(_ identity: InstanceIdentity, to batch: inout MetricBatch) {
        batch.add("sonde_instance_info", 1, [
            ("instance", identity.instance), ("instance_id", identity.instanceID), ("instance_type", identity.instanceType),
            ("availability_zone", identity.availabilityZone), ("region", identity.region), ("ami_id", identity.amiID),
        ])
    }
}

/// The identity collector is built from the identity the agent discovered at start.
extension InstanceIdentity: CollectorSettings {}
