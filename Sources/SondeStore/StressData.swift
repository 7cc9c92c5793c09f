/// The synthetic data of `sonde-store-stress` and the crash tests that check it: decimal gauges that
/// move a little every step, like host metrics do.
package enum StressData {
    public static func value(series: Int, step: Int) -> Double {
        Double((series &* 31 &+ step &* 7) % 1000) / 10
    }
}
