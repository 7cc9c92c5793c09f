/// Go's strings.ToUpper, ToLower and Title: one rune maps to one rune.
enum TextCase {
    static func upper(_ text: String) -> String { map(text) { $0.properties.uppercaseMapping } }
    static func lower(_ text: String) -> String { map(text) { $0.properties.lowercaseMapping } }

    static func title(_ text: String) -> String {
        var previous: Unicode.Scalar = " "
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isSeparator(previous) {
                result.append(single(scalar.properties.titlecaseMapping) ?? scalar)
            } else {
                result.append(scalar)
            }
            previous = scalar
        }
        return String(result)
    }

    private static func map(_ text: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(single(mapping(scalar)) ?? scalar) }
        return String(result)
    }

    /// Unicode's full mappings can expand (ß → SS); Go's simple mapping keeps such runes.
    private static func single(_ mapped: String) -> Unicode.Scalar? {
        let scalars = mapped.unicodeScalars
        guard scalars.count == 1 else { return nil }
        return scalars.first
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return !(TemplateParser.isAlphanumeric(byte))
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.numericType == .decimal { return false }
        return properties.isWhitespace
    }
}
