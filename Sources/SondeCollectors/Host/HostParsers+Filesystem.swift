import SondeCore

extension HostParsers {
    /// One line of `/proc/mounts` (fstab format), with the kernel's octal escapes (`\040` for a space)
    /// decoded in `device` and `mountPoint`.
    public struct MountEntry: Sendable, Equatable {
        public var device: String
        public var mountPoint: String
        public var fsType: String
        public var options: String

        public init(device: String, mountPoint: String, fsType: String, options: String) {
            self.device = device
            self.mountPoint = mountPoint
            self.fsType = fsType
            self.options = options
        }

        /// Mounted with the `ro` option.
        public var isReadOnly: Bool {
            options.split(separator: ",").contains("ro")
        }
    }
}

extension HostParsers {
    public static func parseMounts(_ text: String, file: String? = nil) throws -> [MountEntry] {
        try text.withHostProcBytes { try parseMounts(bytes: $0, file: file) }
    }

    static func parseMounts(bytes: UnsafeRawBufferPointer, file: String?) throws -> [MountEntry] {
        var mounts: [MountEntry] = []
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let device = line.nextToken() else { continue }
            let mountPoint = try line.token("the mount point")
            let fsType = try line.token("the file system type")
            let options = try line.token("the mount options")
            mounts.append(
                MountEntry(
                    device: unescapeMountField(bytes[device]),
                    mountPoint: unescapeMountField(bytes[mountPoint]),
                    fsType: line.text(fsType),
                    options: line.text(options)
                )
            )
        }
        return mounts
    }

    /// Decodes the kernel's `\ooo` escapes (space, tab, newline, backslash) in a mounts field.
    static func unescapeMountField(_ field: Slice<UnsafeRawBufferPointer>) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            if byte == UInt8(ascii: "\\"), index + 3 < field.endIndex,
                let value = octal(field[(index + 1)...].prefix(3))
            {
                out.append(value)
                index += 4
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ digits: Slice<UnsafeRawBufferPointer>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt32(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    /// node_exporter's default `--collector.filesystem.fs-types-exclude`: pseudo and read-only image
    /// file systems that have no meaningful free space.
    public static let excludedFilesystemTypes: Set<String> = [
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
        "erofs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs",
    ]

    /// Network file systems, skipped by sonde (not by node_exporter): `statvfs` on a dead server
    /// blocks in the kernel, uninterruptibly for hard NFS mounts, and would hang the collector.
    public static let networkFilesystemTypes: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "fuse.glusterfs",
        "fuse.sshfs", "fuse.s3fs", "lustre", "9p",
    ]

    public static func isExcludedFilesystemType(_ fsType: String) -> Bool {
        excludedFilesystemTypes.contains(fsType) || networkFilesystemTypes.contains(fsType)
    }

    /// node_exporter's default `--collector.filesystem.mount-points-exclude`,
    /// `^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`.
    public static func isExcludedMountPoint(_ mountPoint: String) -> Bool {
        for root in ["/dev", "/proc", "/sys"] where mountPoint == root || mountPoint.hasPrefix(root + "/") {
            return true
        }
        for parent in ["/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/"]
        where mountPoint.utf8.count > parent.utf8.count && mountPoint.hasPrefix(parent) {
            return true
        }
        return false
    }

    /// The mounts sonde reports: excluded types and mount points dropped, and one entry per mount
    /// point (the last one, the mount `statvfs` actually sees when mounts are stacked).
    public static func reportableMounts(_ mounts: [MountEntry]) -> [MountEntry] {
        var result: [MountEntry] = []
        var indexByMountPoint: [String: Int] = [:]
        for mount in mounts where !isExcludedFilesystemType(mount.fsType) && !isExcludedMountPoint(mount.mountPoint) {
            if let existing = indexByMountPoint[mount.mountPoint] {
                result[existing] = mount
            } else {
                indexByMountPoint[mount.mountPoint] = result.count
                result.append(mount)
            }
        }
        return result
    }
}
