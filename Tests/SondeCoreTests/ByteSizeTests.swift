import SondeCore
import Testing

@Suite struct ByteSizeTests {
    @Test(arguments: [
        ("4096", 4096 as Int64),
        ("0", 0),
        ("512MiB", 512 << 20),
        ("1GiB", 1 << 30),
        ("256MB", 256_000_000),
        ("10KiB", 10_240),
        ("1.5GiB", 1_610_612_736),
        ("1.5 MiB", 1_572_864),
        ("2TB", 2_000_000_000_000),
        ("3TiB", 3 << 40),
        ("1PiB", 1 << 50),
        ("7B", 7),
        ("0.3KiB", 307),  // 307.2 rounds down
        ("1.0000000000000000000001KB", 1000),
        ("9223372036854775807", Int64.max),
        ("8191PiB", 8191 << 50),
    ] as [(String, Int64)])
    func parsesValidSizes(text: String, expected: Int64) throws {
        #expect(try ByteSize.parse(text) == expected)
    }

    @Test(arguments: [
        ("", 1, "empty size, expected a number of bytes like 4096 or 512MiB"),
        ("MiB", 1, "unexpected \"M\", expected a number of bytes"),
        ("-1GiB", 1, "unexpected \"-\", expected a number of bytes"),
        ("12XB", 3, "unknown unit \"XB\", expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB"),
        ("12mb", 3, "unknown unit \"mb\", expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB"),
        ("12 ", 4, "unexpected end of input, expected a unit (B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB)"),
        ("12  MiB", 4, "unknown unit \" MiB\", expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB"),
        ("1.GiB", 3, "unexpected \"G\", expected a digit after \".\""),
        ("1.5", 4, "unexpected end of input, expected a unit after a fractional number (B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB)"),
        ("8192PiB", 1, "size \"8192PiB\" is too large (the maximum is 8 EiB)"),
        ("9223372036854775808", 1, "size \"9223372036854775808\" is too large (the maximum is 8 EiB)"),
        ("99999999999999999999999", 1, "size \"99999999999999999999999\" is too large (the maximum is 8 EiB)"),
        ("1e3", 2, "unknown unit \"e3\", expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB"),
    ] as [(String, Int, String)])
    func rejectsMalformedSizes(text: String, column: Int, message: String) {
        #expect(throws: ParseError(line: 1, column: column, message: message)) { try ByteSize.parse(text) }
    }

    @Test func largestFractionDoesNotOverflow() throws {
        // 8191.999999999999999999 PiB is 2^63 - 0.001 bytes, which rounds down to exactly Int64.max.
        #expect(try ByteSize.parse("8191.99999999999999999999PiB") == Int64.max)
    }

    @Test(arguments: [
        (0 as Int64, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (1_572_864, "1.5 MiB"),
        (512 << 20, "512 MiB"),
        (1_048_575, "1 MiB"),  // 1023.999 KiB rounds up into the next unit, not "1024 KiB"
        (1_288_490_189, "1.2 GiB"),
        (-1536, "-1.5 KiB"),
        (Int64.max, "8 EiB"),
        (Int64.min, "-8 EiB"),
    ] as [(Int64, String)])
    func formatsForHumans(bytes: Int64, expected: String) {
        #expect(ByteSize.format(bytes) == expected)
    }

    @Test func formatOutputParsesBack() throws {
        for bytes: Int64 in [0, 1, 1024, 1536, 512 << 20, 3 << 40] {
            #expect(try ByteSize.parse(ByteSize.format(bytes)) == bytes)
        }
    }
}
