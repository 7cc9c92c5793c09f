#if canImport(Glibc)
import Glibc
#endif
import Logging
import SondeAWS
import SondeNet

/// Which machine this is: the EC2 instance (id, type, placement, AMI) when sonde runs on EC2, else
/// just the host name.
///
/// `discover` asks the instance metadata service with IMDSv2 only. It makes one attempt and does not
/// retry, so an agent off EC2 starts after one short timeout at most.
public struct InstanceIdentity: Sendable, Equatable {
    /// `i-0123456789abcdef0`; empty off EC2.
    public var instanceID: String
    /// `m7g.large`; empty when unknown.
    public var instanceType: String
    /// `eu-west-1a`; empty when unknown.
    public var availabilityZone: String
    /// `eu-west-1`; empty when unknown.
    public var region: String
    /// `ami-0123456789abcdef0`; empty when unknown.
    public var amiID: String
    /// The Auto Scaling group, from the instance's `aws:autoscaling:groupName` tag; empty when the
    /// instance is in none or its tags are not in the metadata (`InstanceMetadataTags` off).
    public var autoScalingGroup: String
    /// This host's name (`gethostname`), on EC2 or not.
    public var hostname: String
    public var onEC2: Bool

    public init(
        instanceID: String = "", instanceType: String = "", availabilityZone: String = "", region: String = "", amiID: String = "",
        autoScalingGroup: String = "", hostname: String, onEC2: Bool
    ) {
        self.autoScalingGroup = autoScalingGroup
        self.instanceID = instanceID
        self.instanceType = instanceType
        self.availabilityZone = availabilityZone
        self.region = region
        self.amiID = amiID
        self.hostname = hostname
        self.onEC2 = onEC2
    }

    /// A host off EC2 (or whose metadata service would not answer).
    public static func offEC2(hostname: String) -> InstanceIdentity {
        InstanceIdentity(hostname: hostname, onEC2: false)
    }

    /// The name that identifies this machine in series: the instance id on EC2, else the host name.
    public var instance: String { onEC2 ? instanceID : hostname }

    /// Asks the EC2 instance metadata service who this machine is (IMDSv2 only, see
    /// `InstanceMetadataClient`).
    ///
    /// Off EC2 (the token PUT is refused, times out, fails in any way or answers anything but 200)
    /// it returns `offEC2(hostname:)` after that single attempt. A 401 or 403 on a metadata GET
    /// after a token was granted is logged as a warning and also means off EC2. Other failures of
    /// single fields (404: an older metadata service without `placement/region`, say) leave those
    /// fields empty; without an instance id the result is off EC2.
    ///
    /// - Parameters:
    ///   - metadata: the metadata service, with the timeout for each request. The GETs run
    ///     concurrently, so discovery takes at most about twice that.
    ///   - hostname: reported off EC2 and kept on it.
    public static func discover(
        metadata: InstanceMetadataClient, hostname: String = InstanceIdentity.localHostname(),
        logger: Logger = Logger(label: "sonde.identity")
    ) async -> InstanceIdentity {
        let offEC2 = Self.offEC2(hostname: hostname)
        let endpoint = metadata.endpoint
        let token: String
        do {
            token = try await metadata.sessionToken(lifetime: .seconds(60))
        } catch {
            switch error.kind {
            case .unreachable:
                logger.debug("no EC2 metadata service: not on EC2", metadata: ["imds.endpoint": "\(endpoint)", "error": "\(error)"])
            case .status(let status):
                logger.info("EC2 metadata service refused a session token: not on EC2", metadata: [
                    "imds.endpoint": "\(endpoint)", "http.status": "\(status)",
                ])
            case .emptyToken:
                logger.info("EC2 metadata service sent an empty session token: not on EC2", metadata: ["imds.endpoint": "\(endpoint)"])
            }
            return offEC2
        }

        func field(_ path: String) async -> Field {
            do {
                return .value(try await metadata.metadata(path, token: token))
            } catch {
                if let status = error.status, status == 401 || status == 403 { return .unauthorized(status) }
                return .missing("\(error)")
            }
        }
        async let instanceID = field("instance-id")
        async let instanceType = field("instance-type")
        async let availabilityZone = field("placement/availability-zone")
        async let region = field("placement/region")
        async let amiID = field("ami-id")
        async let autoScalingGroup = field(Self.autoScalingGroupPath)
        let fields = await [
            ("instance-id", instanceID), ("instance-type", instanceType), ("placement/availability-zone", availabilityZone),
            ("placement/region", region), ("ami-id", amiID), (Self.autoScalingGroupPath, autoScalingGroup),
        ]

        // The tag is optional: a refusal there says nothing about the rest.
        if let refused = fields.first(where: { $0.1.unauthorizedStatus != nil && $0.0 != Self.autoScalingGroupPath }) {
            logger.warning("EC2 metadata service refused a request with a session token: reporting this host as off EC2", metadata: [
                "imds.endpoint": "\(endpoint)", "imds.path": "\(refused.0)", "http.status": "\(refused.1.unauthorizedStatus ?? 0)",
            ])
            return offEC2
        }
        for (path, field) in fields {
            if case .missing(let reason) = field {
                logger.debug("EC2 metadata field unavailable", metadata: ["imds.path": "\(path)", "reason": "\(reason)"])
            }
        }
        let id = fields[0].1.value
        guard !id.isEmpty else {
            logger.warning("EC2 metadata service granted a token but no instance id: reporting this host as off EC2", metadata: ["imds.endpoint": "\(endpoint)"])
            return offEC2
        }
        let zone = fields[2].1.value
        let regionName = fields[3].1.value
        return InstanceIdentity(
            instanceID: id, instanceType: fields[1].1.value, availabilityZone: zone,
            region: regionName.isEmpty ? regionFromAvailabilityZone(zone) : regionName, amiID: fields[4].1.value,
            autoScalingGroup: fields[5].1.value, hostname: hostname, onEC2: true)
    }

    /// The tag EC2 Auto Scaling puts on its instances, as the metadata service shows instance tags.
    public static let autoScalingGroupPath = "tags/instance/aws:autoscaling:groupName"

    private enum Field: Sendable {
        case value(String)
        case unauthorized(Int)
        case missing(String)

        var value: String {
            if case .value(let text) = self { return text }
            return ""
        }

        var unauthorizedStatus: Int? {
            if case .unauthorized(let status) = self { return status }
            return nil
        }
    }

    /// The region of an availability zone name: `us-east-1a` → `us-east-1`, `us-gov-west-1b` →
    /// `us-gov-west-1`, a Local Zone `us-west-2-lax-1a` → `us-west-2`. Everything up to the first
    /// dash-separated part that starts with a digit, that part's trailing letters removed. Empty
    /// when the name has no such part.
    public static func regionFromAvailabilityZone(_ zone: String) -> String {
        var parts: [Substring] = []
        for part in zone.split(separator: "-", omittingEmptySubsequences: false) {
            guard let first = part.utf8.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else {
                parts.append(part)
                continue
            }
            let digits = part.prefix { $0.isASCII && $0.isNumber }
            parts.append(digits)
            return parts.count >= 2 ? parts.joined(separator: "-") : ""
        }
        return ""
    }

    /// `gethostname()`, or empty if it fails.
    public static func localHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension InstanceIdentity {
    /// Whether the machine says it is an EC2 instance, before any packet is sent: the DMI vendor
    /// (`Amazon EC2` on Nitro), an asset tag holding an instance id, or a Xen hypervisor UUID starting
    /// with `ec2`. Off EC2 the metadata service is then never contacted at all (169.254.169.254 is
    /// not ours to probe on someone else's network).
    public static func looksLikeEC2(sysPath: String = "/sys") -> Bool {
        func firstLine(_ path: String) -> String? {
            guard let file = fopen(path, "r") else { return nil }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 128)
            guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
            let text = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return text
        }
        if let vendor = firstLine(sysPath + "/class/dmi/id/sys_vendor"), vendor.hasPrefix("Amazon EC2") { return true }
        if let vendor = firstLine(sysPath + "/class/dmi/id/board_vendor"), vendor.hasPrefix("Amazon EC2") { return true }
        if let tag = firstLine(sysPath + "/class/dmi/id/board_asset_tag"), tag.hasPrefix("i-") { return true }
        if let uuid = firstLine(sysPath + "/hypervisor/uuid"), uuid.lowercased().hasPrefix("ec2") { return true }
        return false
    }
}
