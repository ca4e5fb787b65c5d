import LoupeTensor
import LoupeTestSupport
import Testing

/// Every differentiable op, as the fixture case that exercises it: a function of the case's
/// named inputs. The PyTorch golden tests and the finite-difference checks both run it.
struct OperationCase: CustomTestStringConvertible, Sendable {
    let name: String
    /// Inputs that get gradients (the rest are constants such as targets).
    let differentiable: [String]
    let function: @Sendable ([String: Tensor]) -> Tensor
    /// Moves inputs away from kinks and ties before a finite-difference check.
    var prepareForFiniteDifferences: (@Sendable ([String: Tensor]) -> [String: Tensor])?
    /// The finite-difference step: piecewise-linear ops have no truncation error and take a
    /// larger one, which shrinks rounding noise.
    var finiteDifferenceStep: Float
    /// How the comparison with PyTorch scales its tolerance: Winograd F(4×4, 3×3) rounds on
    /// the scale of the whole output (its transforms mix values up to 8× apart), not of
    /// each element.
    var goldenScale: ToleranceScale

    init(_ name: String, _ differentiable: [String], step: Float = 1e-2, goldenScale: ToleranceScale = .unitOrLarger,
         prepare: (@Sendable ([String: Tensor]) -> [String: Tensor])? = nil,
         _ function: @escaping @Sendable ([String: Tensor]) -> Tensor) {
        self.name = name
        self.differentiable = differentiable
        self.function = function
        prepareForFiniteDifferences = prepare
        finiteDifferenceStep = step
        self.goldenScale = goldenScale
    }

    var testDescription: String { name }
}

/// Pushes every value of `x` at least `margin` away from each kink.
func awayFrom(_ kinks: [Float], margin: Float = 0.05) -> @Sendable ([String: Tensor]) -> [String: Tensor] {
    { inputs in
        inputs.mapValues { tensor in
            Tensor(shape: tensor.shape, scalars: tensor.scalars.map { value in
                var v = value
                for kink in kinks where abs(v - kink) < margin { v = kink + (v >= kink ? margin : -margin) }
                return v
            })
        }
    }
}

/// Replaces each H×W plane with a shuffled ramp centred on 0 whose steps (0.1) exceed twice
/// the finite-difference step, so max pooling never changes its winners; small values keep
/// Float32 rounding of x ± hv negligible.
let distinctValues: @Sendable ([String: Tensor]) -> [String: Tensor] = { inputs in
    inputs.mapValues { tensor in
        var generator = SeededGenerator(seed: 11)
        let area = tensor.shape.suffix(2).reduce(1, *)
        let planes = (0..<(tensor.count / area)).flatMap { _ in
            (0..<area).map { Float($0 - area / 2) * 0.1 }.shuffled(using: &generator)
        }
        return Tensor(shape: tensor.shape, scalars: planes)
    }
}

/// A fresh running-statistics pair from the fixture (the op updates it in place).
private func runningStatistics(_ name: String) -> RunningStatistics {
    let fixtures = Fixtures.operations
    return RunningStatistics(mean: fixtures["\(name)/running_mean_before"]!.copied(),
                             variance: fixtures["\(name)/running_var_before"]!.copied(), momentum: 0.1)
}

let operationCases: [OperationCase] = [
    OperationCase("add", ["a", "b"]) { $0["a"]! + $0["b"]! },
    OperationCase("subtract", ["a", "b"]) { $0["a"]! - $0["b"]! },
    OperationCase("multiply", ["a", "b"]) { $0["a"]! * $0["b"]! },
    OperationCase("divide", ["a", "b"]) { $0["a"]! / $0["b"]! },
    OperationCase("scalars", ["x"]) { ($0["x"]! * 2.5 + 1) / 3 - 0.5 },
    OperationCase("reciprocal", ["x"]) { 2 / $0["x"]! },
    OperationCase("power", ["x"]) { $0["x"]!.pow(3) },
    OperationCase("squareRoot", ["x"]) { $0["x"]!.squareRoot() },
    OperationCase("exponential", ["x"]) { $0["x"]!.exp() },
    OperationCase("logarithm", ["x"]) { $0["x"]!.log() },
    OperationCase("absolute", ["x"], prepare: awayFrom([0])) { $0["x"]!.abs() },
    OperationCase("clamp", ["x"], prepare: awayFrom([-0.5, 0.7])) { $0["x"]!.clamped(min: -0.5, max: 0.7) },
    OperationCase("sumAll", ["x"]) { $0["x"]!.sum() },
    OperationCase("meanAll", ["x"]) { $0["x"]!.mean() },
    OperationCase("sumAxes", ["x"]) { $0["x"]!.sum(alongAxes: [1, 3]) },
    OperationCase("meanAxesKeep", ["x"]) { $0["x"]!.mean(alongAxes: [0, 2], keepingDimensions: true) },
    OperationCase("matmul", ["a", "b"]) { $0["a"]!.matmul($0["b"]!) },
    OperationCase("matmulBatched", ["a", "b"]) { $0["a"]!.matmul($0["b"]!) },
    OperationCase("conv3x3", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: Padding2D(1)) },
    OperationCase("convStride2", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, stride: 2, padding: Padding2D(1)) },
    OperationCase("convDilation2", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, padding: Padding2D(2), dilation: 2) },
    OperationCase("convGroups", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: Padding2D(1), groups: 5) },
    OperationCase("convDepthwiseStride2", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, stride: 2, padding: Padding2D(1), groups: 6) },
    OperationCase("convDepthwise5x5", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, padding: Padding2D(2), groups: 6) },
    OperationCase("convPointwise", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!) },
    OperationCase("convPointwiseStride2", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, stride: 2) },
    OperationCase("convSamePadding", ["x", "w"]) {
        $0["x"]!.conv2d(weight: $0["w"]!, stride: 2, padding: Padding2D(top: 0, left: 0, bottom: 1, right: 1))
    },
    OperationCase("convWide5x5", ["x", "w"]) { $0["x"]!.conv2d(weight: $0["w"]!, padding: Padding2D(3)) },
    OperationCase("deconvStride2", ["x", "w", "b"]) {
        $0["x"]!.transposedConv2d(weight: $0["w"]!, bias: $0["b"]!, stride: 2, padding: 1, outputPadding: 1)
    },
    OperationCase("deconv2x2", ["x", "w"]) { $0["x"]!.transposedConv2d(weight: $0["w"]!, stride: 2) },
    OperationCase("deconvGroupsDilation", ["x", "w"]) {
        $0["x"]!.transposedConv2d(weight: $0["w"]!, padding: 1, dilation: 2, groups: 2)
    },
    OperationCase("batchNormTrain", ["x", "w", "b"]) {
        $0["x"]!.batchNormalized(weight: $0["w"]!, bias: $0["b"]!, running: runningStatistics("batchNormTrain"), isTraining: true)
    },
    OperationCase("batchNormEval", ["x", "w", "b"]) {
        $0["x"]!.batchNormalized(weight: $0["w"]!, bias: $0["b"]!, running: runningStatistics("batchNormEval"), isTraining: false)
    },
    OperationCase("relu", ["x"], prepare: awayFrom([0])) { $0["x"]!.relu() },
    OperationCase("relu6", ["x"], prepare: awayFrom([0, 6])) { $0["x"]!.relu6() },
    OperationCase("leakyRelu", ["x"], prepare: awayFrom([0])) { $0["x"]!.leakyRelu(negativeSlope: 0.1) },
    OperationCase("sigmoid", ["x"]) { $0["x"]!.sigmoid() },
    OperationCase("tanh", ["x"]) { $0["x"]!.tanh() },
    OperationCase("gelu", ["x"]) { $0["x"]!.gelu() },
    OperationCase("softmax", ["x"]) { $0["x"]!.softmax(alongAxis: 1) },
    OperationCase("layerNorm", ["x", "w", "b"]) { $0["x"]!.layerNormalized(normalizedRank: 2, weight: $0["w"]!, bias: $0["b"]!) },
    OperationCase("maxPool", ["x"], step: 0.04, prepare: distinctValues) { $0["x"]!.maxPool2d(kernelSize: 3, stride: 2, padding: 1) },
    // Ties, as after a ReLU, on planes wide enough for eight outputs at a time.
    OperationCase("maxPoolTies", ["x"], step: 0.04, prepare: distinctValues) { $0["x"]!.maxPool2d(kernelSize: 3, stride: 2, padding: 1) },
    OperationCase("maxPoolTies2x2", ["x"], step: 0.04, prepare: distinctValues) { $0["x"]!.maxPool2d(kernelSize: 2) },
    OperationCase("avgPool", ["x"]) { $0["x"]!.avgPool2d(kernelSize: 3, stride: 2, padding: 1) },
    OperationCase("avgPool2x2", ["x"]) { $0["x"]!.avgPool2d(kernelSize: 2) },
    OperationCase("globalAveragePool", ["x"]) { $0["x"]!.globalAveragePool() },
    // 7×8 into 2×3 bins: overlapping bins (rows 0..<4 and 3..<7; columns 0..<3, 2..<6, 5..<8).
    OperationCase("adaptiveAveragePool", ["x"]) { $0["x"]!.adaptiveAveragePool2d(height: 2, width: 3) },
    OperationCase("adaptiveAveragePoolEven", ["x"]) { $0["x"]!.adaptiveAveragePool2d(height: 2, width: 2) },
    OperationCase("softmaxWeightedSum", ["a", "b", "d"]) { Tensor.softmaxWeightedSum([$0["a"]!, $0["b"]!, $0["d"]!]) },
    OperationCase("sigmoidBlend", ["a", "b", "z"]) { Tensor.sigmoidBlend($0["a"]!, $0["b"]!, logits: $0["z"]!) },
    OperationCase("sigmoidBlendBroadcast", ["a", "b", "z"]) { Tensor.sigmoidBlend($0["a"]!, $0["b"]!, logits: $0["z"]!) },
    OperationCase("resizeUp", ["x"]) { $0["x"]!.resizedBilinear(height: 11, width: 13) },
    OperationCase("resizeDown", ["x"]) { $0["x"]!.resizedBilinear(height: 8, width: 6) },
    OperationCase("concatenate", ["a", "b", "d"]) { Tensor.concatenate([$0["a"]!, $0["b"]!, $0["d"]!], alongAxis: 1) },
    OperationCase("slice", ["x"]) { $0["x"]!.sliced(alongAxis: 2, 2..<5) },
    OperationCase("permute", ["x"]) { $0["x"]!.permuted([0, 2, 3, 1]) },
    OperationCase("reshape", ["x"]) {
        $0["x"]!.reshaped([15, -1]) * Tensor(shape: [63], scalars: (0..<63).map(Float.init))
    },
    OperationCase("pad", ["x"]) { $0["x"]!.padded(top: 1, bottom: 3, left: 2, right: 0) },
    OperationCase("cosineSimilarity", ["a", "b"]) { $0["a"]!.cosineSimilarity($0["b"]!) },
    OperationCase("cosineDistanceLoss", ["a", "b"]) { Loss.cosineDistance($0["a"]!, $0["b"]!) },
    OperationCase("binaryCrossEntropy", ["x"]) { Loss.binaryCrossEntropy(logits: $0["x"]!, targets: Fixtures.operations["binaryCrossEntropy/targets"]!) },
    OperationCase("focal", ["x"]) { Loss.focal(logits: $0["x"]!, targets: Fixtures.operations["focal/targets"]!, alpha: 0.25, gamma: 2) },
    OperationCase("l1", ["a", "b"], prepare: { inputs in
        // Keep a − b away from 0, where |·| has its kink.
        let a = inputs["a"]!.scalars, b = inputs["b"]!.scalars
        let moved = zip(a, b).map { x, y in abs(x - y) < 0.05 ? y + (x >= y ? 0.05 : -0.05) : x }
        return ["a": Tensor(shape: inputs["a"]!.shape, scalars: moved), "b": inputs["b"]!]
    }) { Loss.l1($0["a"]!, $0["b"]!) },
    OperationCase("meanSquaredError", ["a", "b"]) { Loss.meanSquaredError($0["a"]!, $0["b"]!) },
    // 34×34 outputs: a batched column matrix above a thousand pixels per image.
    OperationCase("convLargeOutput", ["x", "w", "b"]) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: Padding2D(1)) },
    // Convolutions are linear in each input: a larger step only shrinks rounding noise.
    OperationCase("convUnevenStride1", ["x", "w"], step: 0.25) {
        $0["x"]!.conv2d(weight: $0["w"]!, padding: Padding2D(top: 2, left: 0, bottom: 0, right: 1))
    },
    OperationCase("deconvStride1Dilated", ["x", "w"], step: 0.25) { $0["x"]!.transposedConv2d(weight: $0["w"]!, padding: 1, dilation: 2) },
    // 32+ channels each side: Winograd F(2×2, 3×3) in every pass, with partial tiles.
    OperationCase("convWinograd", ["x", "w", "b"], step: 0.25) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: Padding2D(1)) },
    OperationCase("deconvWinograd", ["x", "w"], step: 0.25) { $0["x"]!.transposedConv2d(weight: $0["w"]!, padding: 1) },
    OperationCase("convWinograd4x4", ["x", "w", "b"], step: 0.25, goldenScale: .tensorRootMeanSquare) { $0["x"]!.conv2d(weight: $0["w"]!, bias: $0["b"]!, padding: Padding2D(1)) },
]
