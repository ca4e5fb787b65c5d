import Foundation

// Per-element functions as types. Generic code is specialised per type under whole-module
// optimisation, so the function is inlined into the loop; a closure captured by the
// parallel-chunk closure is not, and costs an indirect call per element (ReLU on 8M
// elements: 20 ms as a closure, see `make bench -- --probe`).

/// A function of one element.
public protocol UnaryElementFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A function of two elements.
public protocol BinaryElementFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// Any closure, for ops off the hot path.
struct UnaryClosure: UnaryElementFunction {
    let body: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { body(x) }
}

struct BinaryClosure: BinaryElementFunction {
    let body: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { body(a, b) }
}

enum ElementFunctions {
    struct Add: BinaryElementFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryElementFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryElementFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryElementFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }

    struct AddScalar: UnaryElementFunction {
        let scalar: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x + scalar }
    }

    struct MultiplyScalar: UnaryElementFunction {
        let scalar: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scalar }
    }

    struct ReLU: UnaryElementFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }

    /// ReLU's gradient: the output gradient where the input was positive.
    struct ReLUGradient: BinaryElementFunction {
        @inline(__always) func callAsFunction(_ gradient: Float, _ x: Float) -> Float { x > 0 ? gradient : 0 }
    }

    struct Clamp: UnaryElementFunction {
        let lower: Float, upper: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lower), upper) }
    }

    /// The output gradient where the input lay strictly inside (lower, upper).
    struct PassInside: BinaryElementFunction {
        let lower: Float, upper: Float
        @inline(__always) func callAsFunction(_ gradient: Float, _ x: Float) -> Float { x > lower && x < upper ? gradient : 0 }
    }

    struct LeakyReLU: UnaryElementFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : x * slope }
    }

    struct LeakyReLUGradient: BinaryElementFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ gradient: Float, _ x: Float) -> Float { x > 0 ? gradient : gradient * slope }
    }

    /// 1 / (1 + e⁻ˣ) from e^−|x| (never overflows), with `exponential` so the loop vectorises.
    struct Sigmoid: UnaryElementFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            let e = exponential(-Swift.abs(x))
            let r = 1 / (1 + e)
            return x >= 0 ? r : e * r
        }
    }

    /// Sigmoid's gradient from its output s: g·s·(1 − s).
    struct SigmoidGradient: BinaryElementFunction {
        @inline(__always) func callAsFunction(_ gradient: Float, _ s: Float) -> Float { gradient * s * (1 - s) }
    }

    /// The exact (erf) GELU, x·Φ(x), with `errorFunction`: libm's erff is a call per element
    /// the loop cannot vectorise (5.5 % of a stu-seg step in `perf`).
    struct GELU: UnaryElementFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + errorFunction(x * 0.70710678)) }
    }

    /// GELU's gradient from its input v: g·(Φ(v) + v·φ(v)).
    struct GELUGradient: BinaryElementFunction {
        @inline(__always) func callAsFunction(_ gradient: Float, _ v: Float) -> Float {
            gradient * (0.5 * (1 + errorFunction(v * 0.70710678)) + v * 0.39894228 * exponential(-0.5 * v * v))
        }
    }

    /// eˣ without a branch or a call, so loops over it vectorise: x = k·ln 2 + r with
    /// |r| ≤ ln 2 / 2, eʳ by its Taylor series to r⁷ (relative error under 2e-7 against
    /// libm), 2ᵏ written into the exponent bits. x is clamped to [−87, 88] (Float's normal range).
    @inline(__always) static func exponential(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87), 88)
        // Adding 1.5·2²³ rounds x·log₂e to an integer k held in the mantissa's low bits:
        // k as a Float and 2ᵏ's exponent bits without a conversion that could trap, which
        // would keep the loop scalar.
        let shifted = x * 1.44269504 + 12_582_912
        let k = shifted - 12_582_912
        // ln 2 split in two so k·ln 2 is exact in its high part (Cody and Waite).
        let r = (x - k * 0.693359375) + k * 2.12194440e-4
        let p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040)))))))
        return p * Float(bitPattern: (shifted.bitPattern &+ 127) << 23)
    }

    /// A softmax term eᵈ of d = x − max ≤ 0: below e⁻⁸⁷ it is under Float's normal range, 0.
    @inline(__always) static func softmaxTerm(_ difference: Float) -> Float {
        difference < -87 ? 0 : exponential(difference)
    }

    /// erf(x) by Abramowitz and Stegun's 7.1.26 (their bound 1.5e-7; in Float arithmetic
    /// under 5e-7 against libm, far inside the PyTorch fixture's 1e-4), with `exponential`:
    /// no call, so the loop vectorises.
    @inline(__always) static func errorFunction(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let t = 1 / (1 + 0.3275911 * a)
        let polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        let y = 1 - polynomial * exponential(-a * a)
        return x < 0 ? -y : y
    }
}
