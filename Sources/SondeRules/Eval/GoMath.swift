#if canImport(Glibc)
import Glibc
#endif

/// Go's `math.Log`, `Log2`, `Log10`, `Atan`, `Asin`, `Acos`, `Sin`, `Cos` and `Tan`, which
/// Prometheus' functions of those names call. They are Go's own implementations (FreeBSD's and
/// Cephes' algorithms), not the C library's, and differ from glibc's in the last bit for some
/// inputs; ported here so sonde's answers equal Prometheus' to the bit. Arguments of sin, cos and
/// tan from 2^29 on, where Go reduces with Payne-Hanek, go to the C library instead.
enum GoMath {
    static func log(_ x: Double) -> Double {
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let l1 = 6.666666666666735130e-01, l2 = 3.999999999940941908e-01, l3 = 2.857142874366239149e-01
        let l4 = 2.222219843214978396e-01, l5 = 1.818357216161805012e-01, l6 = 1.531383769920937332e-01
        let l7 = 1.479819860511658591e-01
        if x.isNaN || x == .infinity { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        var exponent: Int32 = 0
        var fraction = frexp(x, &exponent)
        if fraction < 0.7071067811865476 {  // √2/2
            fraction *= 2
            exponent -= 1
        }
        let f = fraction - 1
        let k = Double(exponent)
        let s = f / (2 + f)
        let s2 = s * s
        let s4 = s2 * s2
        let t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
        let t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
        let r = t1 + t2
        let hfsq = 0.5 * f * f
        return k * ln2Hi - ((hfsq - (s * (hfsq + r) + k * ln2Lo)) - f)
    }

    static func log2(_ x: Double) -> Double {
        var exponent: Int32 = 0
        let fraction = frexp(x, &exponent)
        // Exact for powers of two.
        if fraction == 0.5 { return Double(exponent - 1) }
        return log(fraction) * 1.4426950408889634 + Double(exponent)  // 1/ln 2
    }

    static func log10(_ x: Double) -> Double { log(x) * 0.4342944819032518 }  // 1/ln 10

    /// A series valid in [0, 0.66].
    private static func xatan(_ x: Double) -> Double {
        let p0 = -8.750608600031904122785e-01, p1 = -1.615753718733365076637e+01, p2 = -7.500855792314704667340e+01
        let p3 = -1.228866684490136173410e+02, p4 = -6.485021904942025371773e+01
        let q0 = 2.485846490142306297962e+01, q1 = 1.650270098316988542046e+02, q2 = 4.328810604912902668951e+02
        let q3 = 4.853903996359136964868e+02, q4 = 1.945506571482613964425e+02
        var z = x * x
        z = z * ((((p0 * z + p1) * z + p2) * z + p3) * z + p4) / (((((z + q0) * z + q1) * z + q2) * z + q3) * z + q4)
        return x * z + x
    }

    /// `x` (positive) reduced to [0, 0.66] for `xatan`.
    private static func satan(_ x: Double) -> Double {
        let moreBits = 6.123233995736765886130e-17  // π/2 = PIO2 + moreBits
        let tan3pio8 = 2.41421356237309504880
        if x <= 0.66 { return xatan(x) }
        if x > tan3pio8 { return Double.pi / 2 - xatan(1 / x) + moreBits }
        return Double.pi / 4 + xatan((x - 1) / (x + 1)) + 0.5 * moreBits
    }

    static func atan(_ x: Double) -> Double {
        if x == 0 { return x }
        return x > 0 ? satan(x) : -satan(-x)
    }

    static func asin(_ x: Double) -> Double {
        if x == 0 { return x }
        let magnitude = Swift.abs(x)
        if magnitude > 1 { return .nan }
        var result = (1 - magnitude * magnitude).squareRoot()
        result = magnitude > 0.7 ? Double.pi / 2 - satan(result / magnitude) : satan(magnitude / result)
        return x < 0 ? -result : result
    }

    static func acos(_ x: Double) -> Double { Double.pi / 2 - asin(x) }

    private static let sinCoefficients = [
        1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6, -1.98412698295895385996e-4,
        8.33333333332211858878e-3, -1.66666666666666307295e-1,
    ]
    private static let cosCoefficients = [
        -1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7, 2.48015872888517045348e-5,
        -1.38888888888730564116e-3, 4.16666666666665929218e-2,
    ]
    /// Below this Go reduces the argument with π/4 in three parts; from it on, with Payne-Hanek.
    private static let reduceThreshold = Double(1 << 29)

    /// The octant of `x` (positive, below `reduceThreshold`) and its remainder, as Go reduces it.
    private static func reduce(_ x: Double) -> (octant: UInt64, remainder: Double) {
        let pi4a = 7.85398125648498535156e-1, pi4b = 3.77489470793079817668e-8, pi4c = 2.69515142907905952645e-15
        var octant = UInt64(x * 1.2732395447351628)  // 4/π
        var y = Double(octant)
        // Zeros map to the origin.
        if octant & 1 == 1 {
            octant += 1
            y += 1
        }
        return (octant, ((x - y * pi4a) - y * pi4b) - y * pi4c)
    }

    private static func sinPolynomial(_ z: Double, _ zz: Double) -> Double {
        let c = sinCoefficients
        return z + z * zz * ((((((c[0] * zz) + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5])
    }

    private static func cosPolynomial(_ zz: Double) -> Double {
        let c = cosCoefficients
        return 1.0 - 0.5 * zz + zz * zz * ((((((c[0] * zz) + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5])
    }

    static func sin(_ x: Double) -> Double {
        if x == 0 || x.isNaN { return x }
        if x.isInfinite { return .nan }
        let magnitude = Swift.abs(x)
        guard magnitude < reduceThreshold else { return Glibc.sin(x) }
        var sign = x < 0
        var (octant, z) = reduce(magnitude)
        octant &= 7
        if octant > 3 {
            sign.toggle()
            octant -= 4
        }
        let zz = z * z
        let y = octant == 1 || octant == 2 ? cosPolynomial(zz) : sinPolynomial(z, zz)
        return sign ? -y : y
    }

    static func cos(_ x: Double) -> Double {
        if x.isNaN || x.isInfinite { return .nan }
        let magnitude = Swift.abs(x)
        guard magnitude < reduceThreshold else { return Glibc.cos(x) }
        var sign = false
        var (octant, z) = reduce(magnitude)
        octant &= 7
        if octant > 3 {
            octant -= 4
            sign.toggle()
        }
        if octant > 1 { sign.toggle() }
        let zz = z * z
        let y = octant == 1 || octant == 2 ? sinPolynomial(z, zz) : cosPolynomial(zz)
        return sign ? -y : y
    }

    static func tan(_ x: Double) -> Double {
        let p = [-1.30936939181383777646e4, 1.15351664838587416140e6, -1.79565251976484877988e7]
        let q = [1.0, 1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7]
        if x == 0 || x.isNaN { return x }
        if x.isInfinite { return .nan }
        let magnitude = Swift.abs(x)
        guard magnitude < reduceThreshold else { return Glibc.tan(x) }
        let (octant, z) = reduce(magnitude)
        let zz = z * z
        var y = zz > 1e-14 ? z + z * (zz * (((p[0] * zz) + p[1]) * zz + p[2]) / ((((zz + q[1]) * zz + q[2]) * zz + q[3]) * zz + q[4])) : z
        if octant & 2 == 2 { y = -1 / y }
        return x < 0 ? -y : y
    }
}
