/// An activation a convolution applies as it writes its output, after the bias: a frozen
/// network's conv–BN–activation (BN folded) is then one pass over memory instead of three.
public enum ConvolutionActivation: Sendable, Equatable {
    case relu, relu6

    /// The clamp it is: [0, ∞) or [0, 6].
    var bounds: (lower: Float, upper: Float) {
        switch self {
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        }
    }

    /// g where the activation's input `x · scale + shift` lets the gradient through (relu:
    /// above 0; relu6: strictly between 0 and 6, as their own backward rules), else 0.
    @inline(__always)
    func gateGradient(_ g: UnsafePointer<Float>, at x: UnsafePointer<Float>, scale: Float, shift: Float,
                      into target: UnsafeMutablePointer<Float>, count: Int) {
        let (lower, upper) = bounds
        @inline(__always) func passes(_ value: Float) -> Bool { value > lower && (upper == .infinity || value < upper) }
        var i = 0
        while i + 8 <= count {
            let value = SIMD8<Float>.load(x + i) * scale + shift
            var mask = value .> lower
            if upper != .infinity { mask = mask .& (value .< upper) }
            SIMD8<Float>.load(g + i).replacing(with: 0, where: .!mask).store(target + i)
            i += 8
        }
        while i < count {
            target[i] = passes(x[i] * scale + shift) ? g[i] : 0
            i += 1
        }
    }

    /// The activation as its own recorded operation: the unfused definition, used when a
    /// gradient tape needs it.
    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return x.relu()
        case .relu6: return x.relu6()
        }
    }
}

/// What a convolution does to each value before it stores it: add the channel's bias, then
/// clamp. The same arithmetic as `addChannelBias` followed by `relu`/`relu6`, so fused and
/// unfused outputs agree bit for bit.
struct ConvolutionEpilogue {
    let bias: UnsafePointer<Float>?
    let lower: Float
    let upper: Float

    init(bias: UnsafePointer<Float>?, activation: ConvolutionActivation?) {
        self.bias = bias
        (lower, upper) = activation?.bounds ?? (-.infinity, .infinity)
    }

    static var none: ConvolutionEpilogue { ConvolutionEpilogue(bias: nil, activation: nil) }

    var isIdentity: Bool { bias == nil && lower == -.infinity && upper == .infinity }

    @inline(__always)
    func callAsFunction(_ values: SIMD8<Float>, channel: Int) -> SIMD8<Float> {
        var values = values
        if let bias { values += bias[channel] }
        // Comparisons, not the generic pointwiseMin/Max (not specialised: a call per vector).
        values.replace(with: lower, where: values .<= lower)
        values.replace(with: upper, where: values .> upper)
        return values
    }

    @inline(__always)
    func callAsFunction(_ value: Float, channel: Int) -> Float {
        var value = value
        if let bias { value += bias[channel] }
        return value <= lower ? lower : value > upper ? upper : value
    }

    /// Applies itself in place to an N×C×area output, planes shared out over the cores.
    func apply(to output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, area: Int) {
        guard !isIdentity else { return }
        let target = UncheckedSendable(output)
        Parallel.forChunks(of: batch * channels, grain: Swift.max(1, 16_384 / Swift.max(area, 1))) { planes in
            for plane in planes { apply(to: target.value + plane * area, count: area, channel: plane % channels) }
        }
    }

    /// Applies itself in place to `count` values of one channel.
    @inline(__always)
    func apply(to values: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        var index = 0
        while index + 8 <= count {
            self(SIMD8<Float>.load(values + index), channel: channel).store(values + index)
            index += 8
        }
        while index < count {
            values[index] = self(values[index], channel: channel)
            index += 1
        }
    }
}
