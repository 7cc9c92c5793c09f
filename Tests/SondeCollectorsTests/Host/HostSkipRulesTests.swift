import SondeCollectors
import SondeCore
import Testing

@Suite("Host skip rules")
struct HostSkipRulesTests {
    @Test("disks: node_exporter's default device-exclude (partitions, loop, ram, floppies)")
    func ignoredDisks() {
        for name in ["loop0", "loop12", "ram0", "zram0", "fd0", "sda1", "sdz15", "hda2", "vda1", "xvda1", "xvdf3", "nvme0n1p1", "nvme10n2p15"] {
            #expect(HostParsers.isIgnoredDisk(name), "\(name) should be ignored")
        }
        for name in ["sda", "vda", "xvda", "nvme0n1", "nvme1n1", "dm-0", "md0", "sr0", "mmcblk0", "mmcblk0p1", "loop", "sdaa1", "nvme0n1p", "nvmen1p1", "zram", "0"] {
            #expect(!HostParsers.isIgnoredDisk(name), "\(name) should be kept")
        }
    }

    @Test("disks: the mixed fixture keeps whole disks, dm and md, drops the rest")
    func mixedDiskstats() throws {
        let disks = try HostParsers.parseDiskstats(HostFixtures.text("variants/diskstats-mixed"))
        let kept = disks.map(\.device).filter { !HostParsers.isIgnoredDisk($0) }
        #expect(kept == ["sda", "sdb", "xvda", "nvme0n1", "dm-0", "md0", "sr0"])
    }

    @Test("filesystems: pseudo, image and network types and node_exporter's mount points are skipped")
    func filesystems() throws {
        let mounts = try HostParsers.parseMounts(HostFixtures.text("variants/mounts-pseudo"))
        let kept = HostParsers.reportableMounts(mounts)
        #expect(kept.map(\.mountPoint) == ["/run", "/", "/boot/efi", "/var/lib/postgresql", "/srv/media files", "/srv/stacked", "/run/user/1000"])
        // Stacked mounts: the last one is the one statvfs sees.
        #expect(kept.first { $0.mountPoint == "/srv/stacked" }?.fsType == "ext4")

        for type in ["proc", "sysfs", "cgroup2", "overlay", "squashfs", "nfs4", "cifs", "fuse.sshfs", "tracefs"] {
            #expect(HostParsers.isExcludedFilesystemType(type), "\(type)")
        }
        for type in ["ext4", "xfs", "vfat", "tmpfs", "btrfs", "zfs"] {
            #expect(!HostParsers.isExcludedFilesystemType(type), "\(type)")
        }
        for path in ["/dev", "/dev/shm", "/proc", "/proc/sys/fs/binfmt_misc", "/sys", "/sys/fs/cgroup", "/run/credentials/x.service", "/var/lib/docker/overlay2/abc/merged", "/var/lib/containers/storage/overlay"] {
            #expect(HostParsers.isExcludedMountPoint(path), "\(path)")
        }
        for path in ["/", "/devices", "/var/lib/docker", "/run/credentials", "/run", "/system", "/var/lib/postgresql"] {
            #expect(!HostParsers.isExcludedMountPoint(path), "\(path)")
        }
    }
}
