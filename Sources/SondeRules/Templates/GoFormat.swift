#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCore
/// Go's `fmt` and `strconv` output for the values templates handle, so rendered annotations match
/// Prometheus byte for byte: `%v` of a float64 is the shortest round-trip form in `%g` style with an
/// exponent from 1e+06 and below 1e-04 (`0.5`, `1e+06`, `123456.7`, `+Inf`, `NaN`); explicit
/// precisions (`%.4g`, `%.2f`, `%e`) go through C's `snprintf`, which rounds exactly as Go does
/// (correctly, ties to even) and strips `%g`'s trailing zeros the same way.
public enum GoFormat {
    // MARK: - Values

    /// `fmt.Fprint` of one value, as `text/template` prints an action's result.
    static func print(_ value: TemplateValue) -> String {
        switch value {
        case .string(let text): return text
        case .int(let int): return String(int)
        case .float(let float): return format(float, verb: "g", precision: nil)
        case .bool(let bool): return bool ? "true" : "false"
        case .labels(let map), .kv(let map): return "map[" + map.keys.sorted().map { "\($0):\(map[$0] ?? "")" }.joined(separator: " ") + "]"
        case .list(let elements, _): return "[" + elements.map(print).joined(separator: " ") + "]"
        case .record(let record): return "{" + record.fields.map { print($0.value) }.joined(separator: " ") + "}"
        case .data(let data):
            // Go prints a struct's fields in order: Labels, ExternalLabels, ExternalURL, Value.
            return "{" + [print(.labels(data.labels)), print(.labels(data.externalLabels)), data.externalURL, print(.float(data.value))]
                .joined(separator: " ") + "}"
        case .time(let milliseconds): return time(milliseconds)
        case .null: return "<nil>"
        }
    }

    /// `fmt.Sprint`: spaces between operands when neither side is a string.
    static func sprint(_ values: [TemplateValue]) -> String {
        var result = ""
        var previousIsString = true
        for (index, value) in values.enumerated() {
            var isString = false
            if case .string = value { isString = true }
            if index > 0 && !isString && !previousIsString { result += " " }
            result += print(value)
            previousIsString = isString
        }
        return result
    }

    // MARK: - Floats

    /// A float64 with verb `g`/`G`/`e`/`E`/`f`/`F` and an optional precision (nil: Go's default,
    /// shortest for `g`, 6 for `e` and `f`). No flags; infinities keep their sign, as fmt prints them.
    static func format(_ value: Double, verb: Character, precision: Int?) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let upper = verb == "G" || verb == "E"
        var result: String
        switch verb {
        case "g", "G":
            if let precision {
                result = cFormat(value, "%.\(min(precision, 10_000))g")
            } else {
                result = shortestG(value)
            }
        case "e", "E":
            result = cFormat(value, "%.\(min(precision ?? 6, 10_000))e")
        default:
            result = cFormat(value, "%.\(min(precision ?? 6, 10_000))f")
        }
        return upper ? result.uppercased() : result
    }

    /// strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that read back as `value`,
    /// exponent form when the exponent is below -4 or at least 6 (Go's rule for shortest `%g`).
    static func shortestG(_ value: Double) -> String {
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        let (digits, point) = shortestDigits(value.magnitude)
        let exponent = point - 1
        if exponent < -4 || exponent >= 6 { return sign + exponentForm(digits, exponent, e: "e") }
        return shortestFixed(value)
    }

    /// strconv.FormatFloat(v, 'f', -1, 64), as `count_values` writes its label values: the
    /// shortest digits, never in exponent form (`0.000015`, `100000000000000000000`, `-0`).
    static func shortestFixed(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        let (digits, point) = shortestDigits(value.magnitude)
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
    }

    /// strconv.FormatFloat(v, 'E', -1, 64), as promtool prints sample values: the shortest digits in
    /// exponent form, `1.6666666666666666E-01`, `0E+00`.
    static func shortestExponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0E+00" }
        let (digits, point) = shortestDigits(value.magnitude)
        return sign + exponentForm(digits, point - 1, e: "E")
    }

    /// `d.ddd` + `e` + a signed exponent of at least two digits.
    private static func exponentForm(_ digits: String, _ exponent: Int, e: String) -> String {
        var mantissa = String(digits.prefix(1))
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let magnitude = abs(exponent)
        return mantissa + e + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }

    /// The shortest round-trip decimal digits of a positive finite double (Swift's `description`
    /// prints them) and where the decimal point goes: `0.00123` → ("123", -2).
    static func shortestDigits(_ value: Double) -> (digits: String, point: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integer = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integer = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(integer + fraction)
        var point = integer.count + exponent
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == "0" { digits.removeLast() }
        return (String(digits), point)
    }

    private static func cFormat(_ value: Double, _ format: String) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        var count = Int(withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) })
        if count >= buffer.count {
            buffer = [CChar](repeating: 0, count: count + 1)
            count = Int(withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) })
        }
        return String(decoding: buffer.prefix(max(0, count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// strconv.ParseFloat(text, 64), for the humanize functions' string arguments.
    static func parseFloat(_ text: String) -> Double? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let lower = body.lowercased()
        var value: Double?
        switch lower {
        case "inf", "infinity": value = .infinity
        case "nan": value = .nan
        default:
            // Swift also reads `nan(…)`, `0x…` without `p` and spaces; Go's grammar does not.
            guard !lower.isEmpty, !lower.contains("n"), !lower.contains(" "),
                  !lower.hasPrefix("0x") || lower.contains("p") else { return nil }
            var digits = lower
            if lower.contains("_") {
                // Go allows underscores only between digits of a base-prefixed number.
                guard lower.hasPrefix("0x") else { return nil }
                digits = lower.filter { $0 != "_" }
            }
            value = Double(digits)
        }
        guard let value else { return nil }
        return negative ? -value : value
    }

    // MARK: - printf

    private struct Spec {
        var plus = false, minus = false, space = false, zero = false, sharp = false
        var width: Int?
        var precision: Int?
    }

    /// fmt.Sprintf with the verbs alert templates use (`%s %d %f %.2f %e %g %v %q %x %t %%`),
    /// flags `+ - # 0 space`, width and precision (also `*`), and Go's error forms
    /// (`%!d(float64=0.5)`, `%!s(MISSING)`, `%!(EXTRA int=1)`).
    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        let scalars = Array(format.unicodeScalars)
        var result = ""
        var index = 0
        var argument = 0
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, let digit = scalars[index].properties.numericType == .decimal ? Int(String(scalars[index])) : nil {
                value = min((value ?? 0) * 10 + digit, 1_000_000)
                index += 1
            }
            return value
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "%" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            var spec = Spec()
            flags: while index < scalars.count {
                switch scalars[index] {
                case "+": spec.plus = true
                case "-": spec.minus = true
                case " ": spec.space = true
                case "0": spec.zero = true
                case "#": spec.sharp = true
                default: break flags
                }
                index += 1
            }
            if index < scalars.count, scalars[index] == "*" {
                index += 1
                // Go refuses widths and precisions beyond ±1e6 (`%!(BADWIDTH)`), which also bounds
                // what a template can make us allocate.
                if argument < args.count, case .int(let width) = args[argument], width.magnitude <= 1_000_000 {
                    spec.width = Int(width.magnitude)
                    if width < 0 { spec.minus = true }
                } else {
                    result += "%!(BADWIDTH)"
                }
                argument += 1
            } else {
                spec.width = number()
            }
            if index < scalars.count, scalars[index] == "." {
                index += 1
                if index < scalars.count, scalars[index] == "*" {
                    index += 1
                    if argument < args.count, case .int(let precision) = args[argument], precision >= 0, precision <= 1_000_000 {
                        spec.precision = Int(precision)
                    } else {
                        result += "%!(BADPREC)"
                    }
                    argument += 1
                } else {
                    spec.precision = number() ?? 0
                }
            }
            if spec.minus { spec.zero = false }
            guard index < scalars.count else {
                result += "%!(NOVERB)"
                break
            }
            let verb = Character(scalars[index])
            index += 1
            if verb == "%" {
                result += "%"
                continue
            }
            guard argument < args.count else {
                result += "%!\(verb)(MISSING)"
                continue
            }
            result += formatArgument(args[argument], verb: verb, spec: spec)
            argument += 1
        }
        if argument < args.count {
            result += "%!(EXTRA " + args[argument...].map { "\($0.goType)=\(print($0))" }.joined(separator: ", ") + ")"
        }
        return result
    }

    private static func formatArgument(_ value: TemplateValue, verb: Character, spec: Spec) -> String {
        func bad() -> String {
            if case .null = value { return "%!\(verb)(<nil>)" }
            return "%!\(verb)(\(value.goType)=\(print(value)))"
        }
        switch value {
        case .float(let float):
            let core: String
            switch verb {
            case "v": core = format(float, verb: "g", precision: spec.precision)
            case "g", "G", "e", "E", "f", "F": core = format(float, verb: verb, precision: spec.precision)
            default: return bad()
            }
            return padNumber(core, spec: spec, special: !float.isFinite)
        case .int(let int):
            var digits: String
            switch verb {
            case "d", "v": digits = String(int.magnitude)
            case "x": digits = String(int.magnitude, radix: 16)
            case "X": digits = String(int.magnitude, radix: 16, uppercase: true)
            case "o": digits = String(int.magnitude, radix: 8)
            case "b": digits = String(int.magnitude, radix: 2)
            case "c":
                return pad(Unicode.Scalar(UInt32(clamping: int)).map { String(Character($0)) } ?? "\u{FFFD}", spec: spec)
            case "q":
                return pad("'" + (Unicode.Scalar(UInt32(clamping: int)).map { String(Character($0)) } ?? "\u{FFFD}") + "'", spec: spec)
            default: return bad()
            }
            if let precision = spec.precision, digits.count < precision {
                digits = String(repeating: "0", count: precision - digits.count) + digits
            }
            if spec.sharp {
                switch verb {
                case "x": digits = "0x" + digits
                case "X": digits = "0X" + digits
                case "o": digits = "0" + digits
                case "b": digits = "0b" + digits
                default: break
                }
            }
            let sign = int < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : ""
            // Zero padding goes after the sign; a precision turns it off, as in Go.
            if spec.zero, spec.precision == nil, let width = spec.width, width > sign.count + digits.count {
                return sign + String(repeating: "0", count: width - sign.count - digits.count) + digits
            }
            var spaces = spec
            spaces.zero = false
            return pad(sign + digits, spec: spaces)
        case .string(let text):
            var body = text
            if let precision = spec.precision { body = String(String.UnicodeScalarView(text.unicodeScalars.prefix(precision))) }
            switch verb {
            case "s", "v": return pad(body, spec: spec)
            case "q": return pad(spec.sharp && !text.contains("`") ? "`" + text + "`" : quote(body), spec: spec)
            case "x", "X":
                let hex = body.utf8.map { byte in
                    let digits = String(byte, radix: 16, uppercase: verb == "X")
                    return digits.count == 1 ? "0" + digits : digits
                }
                return pad(hex.joined(separator: spec.space ? " " : ""), spec: spec)
            default: return bad()
            }
        case .bool(let bool):
            guard verb == "t" || verb == "v" else { return bad() }
            return pad(bool ? "true" : "false", spec: spec)
        case .labels(let map), .kv(let map):
            let entries = map.keys.sorted().map {
                formatArgument(.string($0), verb: verb, spec: spec) + ":" + formatArgument(.string(map[$0] ?? ""), verb: verb, spec: spec)
            }
            return "map[" + entries.joined(separator: " ") + "]"
        case .time, .data, .list, .record:
            guard verb == "v" || verb == "s" else { return bad() }
            return pad(print(value), spec: spec)
        case .null:
            guard verb == "v" else { return bad() }
            return pad("<nil>", spec: spec)
        }
    }

    /// A number with its sign (`core` starts with `-`, `+` or a digit): `+` shown only when asked
    /// for (and always for infinities), zero padding after the sign.
    private static func padNumber(_ core: String, spec: Spec, special: Bool) -> String {
        var sign = ""
        var body = Substring(core)
        if let first = body.first, first == "-" || first == "+" {
            sign = String(first)
            body = body.dropFirst()
        } else {
            sign = "+"
        }
        if special {
            if body == "NaN" && !spec.plus && !spec.space { sign = "" }
            if sign == "+" && spec.space && !spec.plus { sign = " " }
            var plain = spec
            plain.zero = false
            return pad(sign + body, spec: plain)
        }
        if sign == "+" && !spec.plus {
            sign = spec.space ? " " : ""
        }
        if spec.zero, let width = spec.width, width > sign.count + body.count {
            return sign + String(repeating: "0", count: width - sign.count - body.count) + body
        }
        return pad(sign + body, spec: spec)
    }

    private static func pad(_ text: String, spec: Spec) -> String {
        guard let width = spec.width else { return text }
        let length = text.unicodeScalars.count
        guard width > length else { return text }
        let padding = String(repeating: spec.zero ? "0" : " ", count: width - length)
        return spec.minus ? text + padding : padding + text
    }

    // MARK: - Strings

    /// strconv.Quote: printable characters as they are, the rest escaped.
    public static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0B}": result += "\\v"
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            default:
                if isPrint(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value < 0x80 {
                    result += "\\x" + Hex.padded(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    result += "\\u" + Hex.padded(scalar.value, width: 4)
                } else {
                    result += "\\U" + Hex.padded(scalar.value, width: 8)
                }
            }
        }
        return result + "\""
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// text/template's HTMLEscapeString.
    static func htmlEscape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\0": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// url.QueryEscape.
    static func queryEscape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                result += "%" + Hex.encode([byte], uppercase: true)
            }
        }
        return result
    }

    // MARK: - Time

    /// Go's time.Time.String() in UTC for Unix milliseconds: `1970-01-01 00:00:01.5 +0000 UTC`.
    static func time(_ milliseconds: Int64) -> String {
        let (dayNumber, second, fraction) = split(milliseconds: milliseconds)
        let date = CivilDate.civil(fromDays: dayNumber)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var year = String(date.year.magnitude)
        if year.count < 4 { year = String(repeating: "0", count: 4 - year.count) + year }
        var text = (date.year < 0 ? "-" : "") + year + "-" + two(date.month) + "-" + two(date.day) + " "
        text += two(second / 3600) + ":" + two(second / 60 % 60) + ":" + two(second % 60)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + " +0000 UTC"
    }
}
