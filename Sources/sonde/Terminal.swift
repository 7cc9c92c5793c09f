#if canImport(Glibc)
import Glibc
#endif

/// Output helpers for the CLI: plain writes to stdout/stderr and a progress bar shown only on a terminal.
enum Terminal {
    static func out(_ text: String) {
        print(text)
    }

    static func error(_ text: String) {
        writeStandardError(text + "\n")
    }

    private static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Colour on a terminal, unless NO_COLOR is set (no-color.org).
    static var stdoutWantsColour: Bool { isatty(1) == 1 && getenv("NO_COLOR") == nil }

    /// The terminal's width: stdout's window size, else $COLUMNS, else 80.
    static var columns: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = getenv("COLUMNS"), let value = Int(String(cString: text)), value > 0 { return value }
        return 80
    }

    /// Redraws a one-line progress bar on stderr: `[#####-----]  45%  1.2M samples`.
    static func progress(_ fraction: Double, label: String) {
        let width = 30
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int((fraction * 100).rounded(.down))
        writeStandardError("\r[\(bar)] \(String(repeating: " ", count: max(0, 3 - String(percent).count)))\(percent)%  \(label)\u{1B}[K")
    }

    static func endProgress() {
        writeStandardError("\r\u{1B}[K")
    }

    /// 1234567 → "1.23M", for humans.
    static func compact(_ value: Double) -> String {
        switch abs(value) {
        case 1e9...: return format(value / 1e9, decimals: 2) + "G"
        case 1e6...: return format(value / 1e6, decimals: 2) + "M"
        case 1e3...: return format(value / 1e3, decimals: 1) + "k"
        default: return format(value, decimals: 0)
        }
    }

    static func format(_ value: Double, decimals: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(decimals)f", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
