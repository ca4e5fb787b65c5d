/// Sums over a run of floats, sixteen lanes at a time: a plain `for` loop adds one value
/// after another (the compiler may not reorder float additions), and so waits on every add.
/// The order differs from the plain loop's, so the last bits may.
enum LaneSums {
    /// Σ values.
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>(), i = 0
        while i + 16 <= count {
            low += load(values + i)
            high += load(values + i + 8)
            i += 16
        }
        var total = (low + high).sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }

    /// Σ (values − mean)².
    static func squaredDeviations(_ values: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>(), i = 0
        let m = SIMD8<Float>(repeating: mean)
        while i + 16 <= count {
            let a = load(values + i) - m, b = load(values + i + 8) - m
            low += a * a
            high += b * b
            i += 16
        }
        var total = (low + high).sum()
        while i < count { let d = values[i] - mean; total += d * d; i += 1 }
        return total
    }

    /// (Σ weights, Σ weights · (values − mean)).
    static func weightedDeviations(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float>, count: Int,
                                   mean: Float) -> (weights: Float, products: Float) {
        var sumW = SIMD8<Float>(), sumP = SIMD8<Float>(), i = 0
        let m = SIMD8<Float>(repeating: mean)
        while i + 8 <= count {
            let w = load(weights + i)
            sumW += w
            sumP += w * (load(values + i) - m)
            i += 8
        }
        var totalW = sumW.sum(), totalP = sumP.sum()
        while i < count { totalW += weights[i]; totalP += weights[i] * (values[i] - mean); i += 1 }
        return (totalW, totalP)
    }

    /// Σ a · b.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>(), i = 0
        while i + 16 <= count {
            low += load(a + i) * load(b + i)
            high += load(a + i + 8) * load(b + i + 8)
            i += 16
        }
        var total = (low + high).sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    @inline(__always)
    private static func load(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self)
    }
}
