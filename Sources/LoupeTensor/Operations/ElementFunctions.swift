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
    /// The second operand, for broadcasting copies.
    struct Second: BinaryElementFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b } }

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

    struct Sigmoid: UnaryElementFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
    }

    /// Sigmoid's gradient from its output s: g·s·(1 − s).
    struct SigmoidGradient: BinaryElementFunction {
        @inline(__always) func callAsFunction(_ gradient: Float, _ s: Float) -> Float { gradient * s * (1 - s) }
    }
}
