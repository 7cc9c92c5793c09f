import Testing

@testable import SondeAPI

/// 2026-11-22T07:00:00Z.
private let novemberMorning: Int64 = 1_795_330_800_000
private let minute: Int64 = 60_000

/// Ten points a minute apart from `novemberMorning`.
private func series(_ name: String, _ values: [Double]) -> ChartSeries {
    ChartSeries(name: name, timestamps: values.indices.map { novemberMorning + Int64($0) * minute }, values: values)
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.split(separator: needle, omittingEmptySubsequences: false).count - 1
}

private func containsBraille(_ lines: [String]) -> Bool {
    lines.joined().unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }
}

@Suite struct ValueLabelTests {
    @Test(arguments: [
        (12345, ChartUnit.plain, "12.3k"), (1.5, .plain, "1.5"), (3.2e6, .plain, "3.2M"), (0.25, .plain, "250m"),
        (0.000_004_2, .plain, "4.2µ"), (123.456, .plain, "123"), (999.6, .plain, "1k"), (0.1 + 0.2, .plain, "300m"),
        (-5, .plain, "-5"), (2.5e15, .plain, "2.5e15"),
        (45, .percent, "45%"), (99.95, .percent, "100%"), (0.123, .percent, "0.123%"),
        (0.456, .ratio, "45.6%"), (0.45, .ratio, "45%"), (1, .ratio, "100%"),
        (512, .bytes, "512 B"), (1536, .bytes, "1.5 KiB"), (20_971_520, .bytes, "20 MiB"),
        (3.1 * 1_073_741_824, .bytes, "3.1 GiB"), (1023.9, .bytes, "1 KiB"), (-2048, .bytes, "-2 KiB"),
        (0.25, .seconds, "250 ms"), (1.5, .seconds, "1.5 s"), (180, .seconds, "3 min"), (90, .seconds, "1.5 min"),
        (59.99, .seconds, "1 min"), (7200, .seconds, "2 h"), (172_800, .seconds, "2 d"), (0.000_012, .seconds, "12 µs"),
        (3e-9, .seconds, "3 ns"),
        (12, .perSecond, "12/s"), (1234, .perSecond, "1.23k/s"),
    ] as [(Double, ChartUnit, String)])
    func writesEachUnit(value: Double, unit: ChartUnit, expected: String) {
        #expect(ValueLabel.string(value, unit: unit) == expected)
    }

    @Test(arguments: ChartUnit.allCases)
    func zeroIsNeverNegativeAndSpecialValuesAreSpelledOut(unit: ChartUnit) {
        let zero = ValueLabel.string(0, unit: unit)
        #expect(ValueLabel.string(-0.0, unit: unit) == zero)
        #expect(ValueLabel.string(-Double.leastNonzeroMagnitude, unit: unit) == zero)
        #expect(!zero.hasPrefix("-"))
        #expect(ValueLabel.string(.nan, unit: unit) == "NaN")
        #expect(ValueLabel.string(.infinity, unit: unit) == "+Inf")
        #expect(ValueLabel.string(-.infinity, unit: unit) == "-Inf")
    }

    @Test func zeroCarriesTheUnit() {
        #expect(ValueLabel.string(0, unit: .plain) == "0")
        #expect(ValueLabel.string(0, unit: .bytes) == "0 B")
        #expect(ValueLabel.string(0, unit: .seconds) == "0 s")
        #expect(ValueLabel.string(0, unit: .ratio) == "0%")
        #expect(ValueLabel.string(0, unit: .perSecond) == "0/s")
    }
}

@Suite struct AxisTests {
    @Test func niceTicksCoverTheRangeWithRoundSteps() {
        #expect(AxisScale.niceTicks(lower: 0, upper: 97, maxCount: 6, unit: .plain) == [0, 20, 40, 60, 80, 100])
        #expect(AxisScale.niceTicks(lower: 0, upper: 97, maxCount: 5, unit: .plain) == [0, 25, 50, 75, 100])
        #expect(AxisScale.niceTicks(lower: 0, upper: 1, maxCount: 6, unit: .plain) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(AxisScale.niceTicks(lower: -12.5, upper: 16.5, maxCount: 6, unit: .plain) == [-20, -10, 0, 10, 20])
    }

    @Test func bytesAndSecondsTickInTheirOwnUnits() {
        #expect(AxisScale.niceTicks(lower: 0, upper: 1536, maxCount: 6, unit: .bytes) == [0, 512, 1024, 1536])
        let gibibytes = AxisScale.niceTicks(lower: 0, upper: 2.3 * 1_073_741_824, maxCount: 6, unit: .bytes)
        #expect(gibibytes.map { ValueLabel.string($0, unit: .bytes) } == ["0 B", "512 MiB", "1 GiB", "1.5 GiB", "2 GiB", "2.5 GiB"])
        #expect(AxisScale.niceTicks(lower: 0, upper: 90, maxCount: 6, unit: .seconds) == [0, 30, 60, 90])
    }

    @Test func alwaysThreeToMaxCountTicksAroundTheRange() {
        for (lower, upper) in [(0.0, 1e-7), (0, 0.7), (0, 3), (-1, 1), (5, 5.001), (-1e12, 3e12), (0, 123_456_789)] {
            for maxCount in 3...6 {
                let ticks = AxisScale.niceTicks(lower: lower, upper: upper, maxCount: maxCount, unit: .plain)
                #expect((3...maxCount).contains(ticks.count), "\(lower)...\(upper) max \(maxCount): \(ticks)")
                #expect(ticks.first ?? .nan <= lower && ticks.last ?? .nan >= upper)
            }
        }
    }

    @Test func rangeStartsAtZeroForPositiveDataAndCentresFlatLines() {
        #expect(AxisScale.dataRange(minimum: 10, maximum: 60) == (0, 60))
        #expect(AxisScale.dataRange(minimum: -3, maximum: 60) == (-3, 60))
        #expect(AxisScale.dataRange(minimum: 1, maximum: 1) == (0, 2))
        #expect(AxisScale.dataRange(minimum: -4, maximum: -4) == (-8, 0))
        #expect(AxisScale.dataRange(minimum: 0, maximum: 0) == (0, 1))
    }
}

@Suite struct TimeTickTests {
    /// Year, month, day, hour, minute, second.
    private func fields(_ milliseconds: Int64) -> [Int64] {
        let time = UTCTime(milliseconds: milliseconds)
        return [time.year, time.month, time.day, time.hour, time.minute, time.second]
    }

    @Test func convertsUnixMillisecondsToUTC() {
        #expect(fields(novemberMorning) == [2026, 11, 22, 7, 0, 0])
        #expect(fields(novemberMorning + 3_599_999) == [2026, 11, 22, 7, 59, 59])
        #expect(fields(-1) == [1969, 12, 31, 23, 59, 59])
        #expect(fields(951_782_400_000) == [2000, 2, 29, 0, 0, 0])
        #expect(fields(4_107_542_400_000) == [2100, 3, 1, 0, 0, 0])  // 2100 is not a leap year
    }

    @Test func labelsDependOnTheSpanAndStep() {
        #expect(TimeTicks.label(novemberMorning, step: 5 * minute, span: 60 * minute) == "07:00")
        #expect(TimeTicks.label(novemberMorning + 30_000, step: 30_000, span: 3 * minute) == "07:00:30")
        #expect(TimeTicks.label(novemberMorning, step: TimeTicks.day, span: 7 * TimeTicks.day) == "Nov 22")
        #expect(TimeTicks.label(novemberMorning, step: 12 * TimeTicks.hour, span: 3 * TimeTicks.day) == "Nov 22 07:00")
    }

    @Test func ticksFallOnRoundTimes() {
        let hour = TimeTicks.axis(start: novemberMorning, end: novemberMorning + 60 * minute, maxCount: 7)
        #expect(hour.map(\.label) == ["07:00", "07:10", "07:20", "07:30", "07:40", "07:50", "08:00"])
        let week = TimeTicks.axis(start: novemberMorning, end: novemberMorning + 7 * TimeTicks.day, maxCount: 4)
        #expect(week.map(\.label) == ["Nov 23", "Nov 25", "Nov 27", "Nov 29"])
        #expect(TimeTicks.axis(start: .min, end: .max, maxCount: 5).isEmpty)
    }
}

@Suite struct SeriesSegmentTests {
    @Test func nonFiniteValuesAndLongPausesSplitTheLine() {
        let gappy = ChartSeries(name: "g", timestamps: [0, 10, 20, 30, 100, 110, 120], values: [1, 2, .nan, 4, 5, .infinity, 7])
        #expect(gappy.segments(start: 0, end: 1000).map { $0.map(\.time) } == [[0, 10], [30], [100], [120]])
        #expect(gappy.segments(start: 5, end: 105).map { $0.map(\.time) } == [[10], [30], [100]])
        let slightlyLate = ChartSeries(name: "", timestamps: [0, 10, 20, 30, 55], values: [1, 2, 3, 4, 5])
        #expect(slightlyLate.segments(start: 0, end: 100).count == 1)
        let paused = ChartSeries(name: "", timestamps: [0, 10, 20, 30, 56], values: [1, 2, 3, 4, 5])
        #expect(paused.segments(start: 0, end: 100).count == 2)
    }

    @Test func namesLoseControlCharactersAndAreCutAt60() {
        #expect(ChartText.cleaned("a\u{1B}[31mb\u{0}\u{7F}\u{85}\n\tc", maxCharacters: 60) == "a[31mbc")
        #expect(ChartText.cleaned(String(repeating: "x", count: 61), maxCharacters: 60) == String(repeating: "x", count: 59) + "…")
        #expect(ChartText.cleaned(String(repeating: "x", count: 60), maxCharacters: 60) == String(repeating: "x", count: 60))
        #expect(ChartText.xmlEscaped("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(ChartText.xmlEscaped("<\u{338}") == "&lt;\u{338}")  // "<" and a combining mark: one Character
    }
}

@Suite struct SVGChartTests {
    let twoLines = [series("up", Array(repeating: 1, count: 10)), series("count", (0..<10).map(Double.init))]
    let end = novemberMorning + 9 * minute

    @Test func isAStandaloneDocumentWithOnePolylinePerSeries() {
        let svg = SVGChart.render(title: "Load", series: twoLines, start: novemberMorning, end: end)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("viewBox=\"0 0 640 "))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(occurrences(of: "<polyline", in: svg) == 2)
        #expect(!svg.contains("<script") && !svg.contains("href") && !svg.contains("url("))
        #expect(svg.contains(">Load</text>"))
        #expect(svg.contains(">07:00</text>") && svg.contains(">07:08</text>"))
        #expect(svg.contains(">10</text>"))  // top tick of 0...9
        #expect(svg.contains(">up<tspan dx=\"8\" font-weight=\"bold\">1</tspan>"))  // last value beside the name
    }

    @Test func escapesEverythingFromTheCaller() {
        let hostile = series("</svg><script>alert(1)</script>&", [1, 2, 3])
        let svg = SVGChart.render(title: "<b onload='x'>", series: [hostile], start: novemberMorning, end: end)
        #expect(!svg.contains("<script") && !svg.contains("<b "))
        #expect(svg.contains("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"))
        #expect(svg.contains("&lt;b onload=&#39;x&#39;&gt;"))
        #expect(occurrences(of: "</svg>", in: svg) == 1)
    }

    @Test func aNaNInTheMiddleSplitsTheLine() {
        var values = (0..<10).map(Double.init)
        values[5] = .nan
        let svg = SVGChart.render(title: "", series: [series("n", values)], start: novemberMorning, end: end)
        #expect(occurrences(of: "<polyline", in: svg) == 2)
    }

    @Test func noFinitePointsDrawsNoData() {
        let empty = SVGChart.render(title: "Nothing", series: [], start: novemberMorning, end: end)
        #expect(empty.contains(">no data</text>"))
        #expect(!empty.contains("<polyline"))
        let allNaN = SVGChart.render(title: "", series: [series("n", [.nan, .nan])], start: novemberMorning, end: end)
        #expect(allNaN.contains(">no data</text>"))
        let drawn = SVGChart.render(title: "", series: twoLines, start: novemberMorning, end: end)
        #expect(!drawn.contains("no data"))
    }

    @Test func countsTheSeriesBeyondMaxSeries() {
        let thirteen = (0..<13).map { series("s\($0)", [Double($0), 1]) }
        let svg = SVGChart.render(title: "", series: thirteen, start: novemberMorning, end: end, maxSeries: 10)
        #expect(occurrences(of: "<polyline", in: svg) == 10)
        #expect(svg.contains(">+3 more</text>"))
        #expect(svg.contains(">s9<") && !svg.contains(">s10<"))
    }

    @Test func extremeInputsStillRender() {
        let wild = ChartSeries(name: "x", timestamps: [.min, 0, .max], values: [-.greatestFiniteMagnitude, 0, .greatestFiniteMagnitude])
        #expect(SVGChart.render(title: "", series: [wild], start: .min, end: .max).hasSuffix("</svg>\n"))
        #expect(SVGChart.render(title: "", series: [wild], start: 9, end: 5, width: 0, height: -3, maxSeries: -1).hasSuffix("</svg>\n"))
    }
}

@Suite struct TerminalChartTests {
    let twoLines = [series("up", Array(repeating: 1, count: 10)), series("count", (0..<10).map(Double.init))]
    let end = novemberMorning + 9 * minute

    @Test func hasPlotRowsAxisAndLegendInBraille() {
        let lines = TerminalChart.render(series: twoLines, start: novemberMorning, end: end, width: 40, height: 8)
        #expect(lines.count == 8 + 2 + 2)
        #expect(containsBraille(lines))
        #expect(!lines.joined().contains("\u{1B}"))
        // Ticks 0, 2.5, 5, 7.5, 10 on rows of their own, right-aligned in the gutter.
        #expect(lines[0].hasPrefix(" 10 ┤") && lines[2].hasPrefix("7.5 ┤") && lines[7].hasPrefix("  0 ┤"))
        #expect(lines[1].hasPrefix("    │"))
        #expect(lines[8].hasPrefix("    └┬"))
        #expect(lines[9] == "   07:00                 07:05")
        #expect(lines[10] == "* up  1" && lines[11] == "+ count  9")
        #expect(lines.allSatisfy { !$0.contains("\n") })
    }

    @Test func colorsUseANSIEscapes() {
        let lines = TerminalChart.render(series: twoLines, start: novemberMorning, end: end, width: 40, height: 8, colors: true)
        #expect(lines.count == 12)
        #expect(lines.joined().contains("\u{1B}[34m") && lines.joined().contains("\u{1B}[33m"))
        #expect(lines.joined().contains("\u{1B}[0m"))
        #expect(lines[10] == "\u{1B}[34m*\u{1B}[0m up  1")
    }

    @Test func namesCannotSendEscapes() {
        let hostile = series("\u{1B}]0;title\u{7}\u{1B}[2J", [1, 2])
        let lines = TerminalChart.render(series: [hostile], start: novemberMorning, end: end)
        #expect(!lines.joined().contains("\u{1B}"))
    }

    @Test func smallSizesAreClampedAndCountTheRest() {
        let thirteen = (0..<13).map { series("s\($0)", [Double($0), 1]) }
        let lines = TerminalChart.render(series: thirteen, start: novemberMorning, end: end, width: 2, height: 1)
        #expect(lines.count == 3 + 2 + 8 + 1)
        #expect(lines.last == "+5 more")
        #expect(containsBraille(lines))
        #expect(lines[4].contains("07:00") && lines[4].contains("07:09"))  // at least two time labels
    }

    @Test func noFinitePointsIsOneLine() {
        #expect(TerminalChart.render(series: [], start: novemberMorning, end: end) == ["no data"])
        #expect(TerminalChart.render(series: [series("n", [.nan, .infinity])], start: novemberMorning, end: end) == ["no data"])
    }
}
