/// One engine operation as a trace records it: what it computes, with the attributes an
/// exporter needs to write it elsewhere (ONNX). Inputs are recorded beside it, in order.
public enum TracedOperation: Sendable, Equatable {
    /// Inputs: x, weight, bias (optional). `activation` when fused (a folded teacher).
    case convolution(stride: Int, padding: Padding2D, dilation: Int, groups: Int, activation: ConvolutionActivation?)
    /// Inputs: x, weight (Cin×O/groups×kh×kw), bias (optional).
    case transposedConvolution(stride: Int, padding: Int, outputPadding: Int, dilation: Int, groups: Int)
    /// Evaluation mode only. Inputs: x, weight, bias, running mean, running variance.
    case batchNormalization(epsilon: Float)
    /// Inputs: x, weight (optional), bias (optional); over the last `normalizedRank` axes.
    case layerNormalization(normalizedRank: Int, epsilon: Float)
    case relu, relu6, sigmoid, tanh, gelu
    case leakyRelu(slope: Float)
    case softmax(axis: Int)
    /// Σₖ softmaxₖ(v) · vₖ element by element. Inputs: the branches v₁ … v_K (one shape).
    case softmaxWeightedSum
    /// σ(z)·a + (1 − σ(z))·b. Inputs: a, b, z (broadcast to a's shape).
    case sigmoidBlend
    /// Elementwise with broadcasting. Inputs: left, right.
    case add, subtract, multiply, divide
    /// x + s, x · s, s − x, s / x.
    case addScalar(Float), multiplyScalar(Float), scalarMinus(Float), scalarDivide(Float)
    case power(Float)
    case squareRoot, exponential, logarithm, absolute
    case clamp(lower: Float, upper: Float)
    case reshape([Int])
    case permute([Int])
    /// Inputs: the tensors joined.
    case concatenate(axis: Int)
    case slice(axis: Int, start: Int, end: Int)
    /// Zeros around the last two axes.
    case pad(top: Int, bottom: Int, left: Int, right: Int)
    /// Inputs: a, b (2-D, or batched with the same leading dimensions).
    case matrixMultiply
    case maxPool(kernel: Int, stride: Int, padding: Int)
    case averagePool(kernel: Int, stride: Int, padding: Int)
    case globalAveragePool
    /// PyTorch's `adaptive_avg_pool2d` to height×width bins (bin i covers ⌊i·H/n⌋ ..< ⌈(i+1)·H/n⌉).
    case adaptiveAveragePool(height: Int, width: Int)
    case sum(axes: [Int], keepingDimensions: Bool)
    case mean(axes: [Int], keepingDimensions: Bool)
    case maximum(axis: Int)
    /// Along the last axis, the mean of the `count` largest values.
    case topMean(count: Int)
    /// PyTorch's `interpolate(mode="bilinear", align_corners=False)` to height×width.
    case resizeBilinear(height: Int, width: Int)
    /// Along axis 1, PyTorch's `cosine_similarity(a, b, dim=1, eps)`. Inputs: a, b.
    case cosineSimilarity(epsilon: Float)
    /// A separable blur of the last two axes with these taps, borders mirrored half-sample
    /// symmetrically (scipy's "reflect").
    case separableBlur(taps: [Float])
    /// Passes its input on (dropout in evaluation mode).
    case identity
    /// An operation no exporter can write (named): export fails with its name.
    case unsupported(String)

    /// The name an error or a profile shows; an unsupported operation shows what it is.
    public var name: String {
        if case let .unsupported(what) = self { return what }
        return String(describing: self).prefix { $0 != "(" }.description
    }

    /// The name with what sets a convolution's cost apart beyond its shapes (a profile's
    /// rows): stride, dilation and groups when not 1.
    var profileName: String {
        switch self {
        case let .convolution(stride, _, dilation, groups, _), let .transposedConvolution(stride, _, _, dilation, groups):
            let set = [("stride", stride), ("dilation", dilation), ("groups", groups)].filter { $0.1 != 1 }
            return set.isEmpty ? name : name + " (" + set.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
        default: return name
        }
    }
}
