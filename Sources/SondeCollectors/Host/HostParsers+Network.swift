import SondeCore

extension HostParsers {
    /// One interface line of `/proc/net/dev`: 8 receive and 8 transmit counters.
    public struct NetDevStats: Sendable, Equatable {
        public var device: String
        /// bytes packets errs drop fifo frame compressed multicast
        public var receive: [UInt64]
        /// bytes packets errs drop fifo colls carrier compressed
        public var transmit: [UInt64]

        public init(device: String, receive: [UInt64], transmit: [UInt64]) {
            self.device = device
            self.receive = receive
            self.transmit = transmit
        }

        /// node_exporter's metric names for `receive[i]` and `transmit[i]`.
        public static let receiveMetricNames = [
            "node_network_receive_bytes_total", "node_network_receive_packets_total", "node_network_receive_errs_total",
            "node_network_receive_drop_total", "node_network_receive_fifo_total", "node_network_receive_frame_total",
            "node_network_receive_compressed_total", "node_network_receive_multicast_total",
        ]
        public static let transmitMetricNames = [
            "node_network_transmit_bytes_total", "node_network_transmit_packets_total", "node_network_transmit_errs_total",
            "node_network_transmit_drop_total", "node_network_transmit_fifo_total", "node_network_transmit_colls_total",
            "node_network_transmit_carrier_total", "node_network_transmit_compressed_total",
        ]
    }

    /// One `key value` pair of `/proc/net/sockstat`: `TCP: inuse 1` is (`TCP`, `inuse`, 1); the first
    /// line, `sockets: used 12`, is (`sockets`, `used`, 12).
    public struct SockstatEntry: Sendable, Equatable {
        public var proto: String
        public var key: String
        public var value: UInt64

        public init(proto: String, key: String, value: UInt64) {
            self.proto = proto
            self.key = key
            self.value = value
        }

        /// node_exporter's name: `node_sockstat_TCP_inuse`, `node_sockstat_sockets_used`.
        public var metricName: String { "node_sockstat_\(proto)_\(key)" }
    }

    /// One counter of `/proc/net/snmp` or `/proc/net/netstat`: (`Tcp`, `RetransSegs`, 7). Values are
    /// doubles because a few are signed (`Tcp: MaxConn -1`).
    public struct NetstatEntry: Sendable, Equatable {
        public var proto: String
        public var field: String
        public var value: Double

        public init(proto: String, field: String, value: Double) {
            self.proto = proto
            self.field = field
            self.value = value
        }

        /// node_exporter's name: `node_netstat_Tcp_RetransSegs` (no `_total`, as node_exporter).
        public var metricName: String { "node_netstat_\(proto)_\(field)" }
    }

    /// Which `/proc/net/snmp` and `/proc/net/netstat` fields to keep.
    public enum NetstatFieldFilter: Sendable {
        /// Every field (a few hundred series).
        case all
        /// node_exporter's default `--collector.netstat.fields`:
        /// `^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|`
        /// `TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|`
        /// `Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|`
        /// `Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$`
        case nodeExporterDefault

        func includes(proto: Slice<UnsafeRawBufferPointer>, field: Slice<UnsafeRawBufferPointer>) -> Bool {
            switch self {
            case .all: return true
            case .nodeExporterDefault: break
            }
            func eq(_ bytes: Slice<UnsafeRawBufferPointer>, _ literal: StaticString) -> Bool {
                guard bytes.count == literal.utf8CodeUnitCount else { return false }
                return zip(bytes, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
            }
            func hasPrefix(_ bytes: Slice<UnsafeRawBufferPointer>, _ literal: StaticString) -> Bool {
                guard bytes.count >= literal.utf8CodeUnitCount else { return false }
                return zip(bytes, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
            }
            if eq(field, "InErrors") || eq(field, "InErrs") { return true }
            if eq(proto, "Ip") { return eq(field, "Forwarding") }
            if eq(proto, "IpExt") || eq(proto, "Ip6") { return eq(field, "InOctets") || eq(field, "OutOctets") }
            if eq(proto, "Icmp") || eq(proto, "Icmp6") { return eq(field, "InMsgs") || eq(field, "OutMsgs") }
            if eq(proto, "TcpExt") {
                return hasPrefix(field, "Listen") || hasPrefix(field, "Syncookies") || eq(field, "TCPSynRetrans")
                    || eq(field, "TCPTimeouts") || eq(field, "TCPOFOQueue") || eq(field, "TCPRcvQDrop")
            }
            if eq(proto, "Tcp") {
                return eq(field, "ActiveOpens") || eq(field, "InSegs") || eq(field, "OutSegs") || eq(field, "OutRsts")
                    || eq(field, "PassiveOpens") || eq(field, "RetransSegs") || eq(field, "CurrEstab")
            }
            if eq(proto, "Udp") || eq(proto, "Udp6") {
                return eq(field, "InDatagrams") || eq(field, "OutDatagrams") || eq(field, "NoPorts")
                    || eq(field, "RcvbufErrors") || eq(field, "SndbufErrors")
            }
            return false
        }
    }
}

extension HostParsers {
    public static func parseNetDev(_ text: String, file: String? = nil) throws -> [NetDevStats] {
        try text.withHostProcBytes { try parseNetDev(bytes: $0, file: file) }
    }

    static func parseNetDev(bytes: UnsafeRawBufferPointer, file: String?) throws -> [NetDevStats] {
        var devices: [NetDevStats] = []
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            // The two header lines are the ones with `|`; interface names cannot contain one.
            if bytes[line.start..<line.end].contains(UInt8(ascii: "|")) || line.isBlank { continue }
            // `  eth0: 123 …`; a large counter can touch the colon (`eth0:123`), so split on the last
            // colon before the counters rather than on blanks.
            guard let colon = bytes[line.start..<line.end].lastIndex(of: UInt8(ascii: ":")) else {
                throw line.error(at: line.start, "expected \"device: counters\"")
            }
            var nameStart = line.start
            while nameStart < colon, HostProcLine.isSpace(bytes[nameStart]) { nameStart += 1 }
            guard nameStart < colon else { throw line.error(at: colon, "missing interface name") }
            let name = line.text(nameStart..<colon)
            line.position = colon + 1
            var receive: [UInt64] = []
            receive.reserveCapacity(8)
            var transmit: [UInt64] = []
            transmit.reserveCapacity(8)
            for index in 0..<16 {
                let value = try line.unsigned("counter \(index + 1) of \(name)")
                if index < 8 { receive.append(value) } else { transmit.append(value) }
            }
            devices.append(NetDevStats(device: name, receive: receive, transmit: transmit))
        }
        return devices
    }

    public static func parseSockstat(_ text: String, file: String? = nil) throws -> [SockstatEntry] {
        try text.withHostProcBytes { try parseSockstat(bytes: $0, file: file) }
    }

    static func parseSockstat(bytes: UnsafeRawBufferPointer, file: String?) throws -> [SockstatEntry] {
        var entries: [SockstatEntry] = []
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let protoToken = line.nextToken() else { continue }
            guard protoToken.count > 1, bytes[protoToken.upperBound - 1] == UInt8(ascii: ":") else {
                throw line.error(at: protoToken.lowerBound, "expected \"PROTO:\", found \(ByteText.quote(bytes[protoToken]))")
            }
            let proto = line.text(protoToken.lowerBound..<(protoToken.upperBound - 1))
            var pairs = 0
            while let key = line.nextToken() {
                let valueToken = try line.token("the value of \(proto)")
                let value = try line.unsigned(valueToken, "the value of \(proto) \(line.text(key))")
                entries.append(SockstatEntry(proto: proto, key: line.text(key), value: value))
                pairs += 1
            }
            guard pairs > 0 else { throw line.error(at: line.end, "\(proto) has no key/value pairs") }
        }
        return entries
    }

    /// `/proc/net/snmp` and `/proc/net/netstat` share one format: for each protocol a header line
    /// of field names, then a line of values, both starting `Proto:`.
    public static func parseNetSNMP(
        _ text: String, file: String? = nil, filter: NetstatFieldFilter = .nodeExporterDefault
    ) throws -> [NetstatEntry] {
        try text.withHostProcBytes { try parseNetSNMP(bytes: $0, file: file, filter: filter) }
    }

    /// `/proc/net/netstat` (TcpExt, IpExt, MPTcpExt): same format as `/proc/net/snmp`.
    public static func parseNetstat(
        _ text: String, file: String? = nil, filter: NetstatFieldFilter = .nodeExporterDefault
    ) throws -> [NetstatEntry] {
        try parseNetSNMP(text, file: file, filter: filter)
    }

    static func parseNetSNMP(bytes: UnsafeRawBufferPointer, file: String?, filter: NetstatFieldFilter) throws -> [NetstatEntry] {
        var entries: [NetstatEntry] = []
        var text = HostProcText(bytes, file: file)
        while var header = text.nextLine() {
            guard let headerProto = header.nextToken() else { continue }
            guard headerProto.count > 1, bytes[headerProto.upperBound - 1] == UInt8(ascii: ":") else {
                throw header.error(at: headerProto.lowerBound, "expected \"Proto:\", found \(ByteText.quote(bytes[headerProto]))")
            }
            guard var values = text.nextLine() else {
                throw text.errorAtEnd("\(header.text(headerProto)) header has no value line")
            }
            guard let valueProto = values.nextToken(), bytes[valueProto].elementsEqual(bytes[headerProto]) else {
                throw values.error(at: values.start, "expected the values of \(header.text(headerProto))")
            }
            let proto = headerProto.lowerBound..<(headerProto.upperBound - 1)
            var protoName: String?
            while let field = header.nextToken() {
                guard let value = values.nextToken() else {
                    throw values.error(at: values.end, "fewer values than names for \(header.text(proto)): no value for \(header.text(field))")
                }
                guard filter.includes(proto: bytes[proto], field: bytes[field]) else { continue }
                let number = try values.decimal(value, "\(header.text(proto)) \(header.text(field))")
                if protoName == nil { protoName = header.text(proto) }
                entries.append(NetstatEntry(proto: protoName ?? "", field: header.text(field), value: number))
            }
            if let extra = values.nextToken() {
                throw values.error(at: extra.lowerBound, "more values than names for \(header.text(proto))")
            }
        }
        return entries
    }
}
