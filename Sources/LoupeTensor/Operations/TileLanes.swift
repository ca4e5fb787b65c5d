/// What the Winograd transforms compute with: one tile (`Float`) or eight neighbouring
/// tiles in SIMD registers. The same expressions run on both, so the vector and scalar
/// paths give identical bits.
protocol TileLanes {
    static var width: Int { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self
    static func * (lhs: Float, rhs: Self) -> Self
    /// `width` consecutive values.
    static func load(_ source: UnsafePointer<Float>) -> Self
    /// source[0], source[2], …: the values at even offsets of 2 · `width`.
    static func even(_ source: UnsafePointer<Float>) -> Self
    /// source[1], source[3], …
    static func odd(_ source: UnsafePointer<Float>) -> Self
    /// source[0], source[stride], …: `width` values `stride` apart.
    static func load(_ source: UnsafePointer<Float>, stride: Int) -> Self
    /// target[0], target[stride], … = the lanes.
    func store(_ target: UnsafeMutablePointer<Float>, stride: Int)
    /// source[0], source[4], …: every fourth value of 4 · `width`.
    static func everyFourth(_ source: UnsafePointer<Float>) -> Self
    func store(_ target: UnsafeMutablePointer<Float>)
    /// target[2k] = even[k], target[2k + 1] = odd[k].
    static func storeInterleaved(_ even: Self, _ odd: Self, _ target: UnsafeMutablePointer<Float>)
    /// target[2k] += even[k], target[2k + 1] += odd[k].
    static func addInterleaved(_ even: Self, _ odd: Self, _ target: UnsafeMutablePointer<Float>)
    /// target[4k + j] = (a, b, c, d)[j][k].
    static func storeInterleaved(_ a: Self, _ b: Self, _ c: Self, _ d: Self, _ target: UnsafeMutablePointer<Float>)
    /// target[4k + j] += (a, b, c, d)[j][k].
    static func addInterleaved(_ a: Self, _ b: Self, _ c: Self, _ d: Self, _ target: UnsafeMutablePointer<Float>)
}

extension Float: TileLanes {
    static var width: Int { 1 }
    @inline(__always)
    static func load(_ source: UnsafePointer<Float>) -> Float { source[0] }
    @inline(__always)
    static func even(_ source: UnsafePointer<Float>) -> Float { source[0] }
    @inline(__always)
    static func odd(_ source: UnsafePointer<Float>) -> Float { source[1] }
    @inline(__always)
    static func everyFourth(_ source: UnsafePointer<Float>) -> Float { source[0] }
    @inline(__always)
    static func load(_ source: UnsafePointer<Float>, stride: Int) -> Float { source[0] }
    @inline(__always)
    func store(_ target: UnsafeMutablePointer<Float>, stride: Int) { target[0] = self }
    @inline(__always)
    func store(_ target: UnsafeMutablePointer<Float>) { target[0] = self }
    @inline(__always)
    static func storeInterleaved(_ even: Float, _ odd: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] = even
        target[1] = odd
    }
    @inline(__always)
    static func addInterleaved(_ even: Float, _ odd: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] += even
        target[1] += odd
    }
    @inline(__always)
    static func storeInterleaved(_ a: Float, _ b: Float, _ c: Float, _ d: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] = a
        target[1] = b
        target[2] = c
        target[3] = d
    }
    @inline(__always)
    static func addInterleaved(_ a: Float, _ b: Float, _ c: Float, _ d: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] += a
        target[1] += b
        target[2] += c
        target[3] += d
    }
}

extension SIMD8: TileLanes where Scalar == Float {
    static var width: Int { 8 }
    @inline(__always)
    static func load(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always)
    static func even(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
    @inline(__always)
    static func odd(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self).oddHalf
    }
    @inline(__always)
    static func load(_ source: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
        SIMD8(source[0], source[stride], source[2 * stride], source[3 * stride],
              source[4 * stride], source[5 * stride], source[6 * stride], source[7 * stride])
    }
    @inline(__always)
    func store(_ target: UnsafeMutablePointer<Float>, stride: Int) {
        for lane in 0..<8 { target[lane * stride] = self[lane] }
    }
    @inline(__always)
    static func everyFourth(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        let raw = UnsafeRawPointer(source)
        var even = SIMD16<Float>()
        even.lowHalf = raw.loadUnaligned(as: SIMD16<Float>.self).evenHalf
        even.highHalf = raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self).evenHalf
        return even.evenHalf
    }
    @inline(__always)
    func store(_ target: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(target).storeBytes(of: self, as: SIMD8<Float>.self)
    }
    @inline(__always)
    static func storeInterleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>) {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        UnsafeMutableRawPointer(target).storeBytes(of: pair, as: SIMD16<Float>.self)
    }
    @inline(__always)
    static func addInterleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>) {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        let raw = UnsafeMutableRawPointer(target)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + pair, as: SIMD16<Float>.self)
    }
    /// Four vectors as 32 values, lane k of each at 4k, 4k + 1, 4k + 2, 4k + 3, in two
    /// halves (SIMD16 shuffles compile to vector code; SIMD32's did not).
    @inline(__always)
    private static func interleaved(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>)
        -> (SIMD16<Float>, SIMD16<Float>) {
        var ac = SIMD16<Float>(), bd = SIMD16<Float>(), low = SIMD16<Float>(), high = SIMD16<Float>()
        ac.evenHalf = a
        ac.oddHalf = c
        bd.evenHalf = b
        bd.oddHalf = d
        low.evenHalf = ac.lowHalf
        low.oddHalf = bd.lowHalf
        high.evenHalf = ac.highHalf
        high.oddHalf = bd.highHalf
        return (low, high)
    }
    @inline(__always)
    static func storeInterleaved(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                                 _ target: UnsafeMutablePointer<Float>) {
        let (low, high) = interleaved(a, b, c, d)
        UnsafeMutableRawPointer(target).storeBytes(of: low, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 16).storeBytes(of: high, as: SIMD16<Float>.self)
    }
    @inline(__always)
    static func addInterleaved(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                               _ target: UnsafeMutablePointer<Float>) {
        let (low, high) = interleaved(a, b, c, d)
        let first = UnsafeMutableRawPointer(target), second = UnsafeMutableRawPointer(target + 16)
        first.storeBytes(of: first.loadUnaligned(as: SIMD16<Float>.self) + low, as: SIMD16<Float>.self)
        second.storeBytes(of: second.loadUnaligned(as: SIMD16<Float>.self) + high, as: SIMD16<Float>.self)
    }
}
