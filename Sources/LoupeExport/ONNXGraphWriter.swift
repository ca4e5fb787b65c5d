import Foundation
import LoupeEngine
import LoupeTensor
import SwiftProtobuf

/// Writes a recorded scoring pass as an ONNX graph (opset 18): each traced operation
/// becomes one or a few standard nodes, each constant an initializer named after the weight
/// it is. BatchNorm after a convolution is folded into it. An operation with no
/// translation stops the export with its name.
struct ONNXGraphWriter {
    static let opset: Int64 = 18

    private let scoring: ScoringTrace
    /// Per traced value, the reshape targets whose batch dimension is written -1.
    private let batchReshapes: [Int: [Int]]
    private var nodes: [Onnx_NodeProto] = []
    private var initializers: [Onnx_TensorProto] = []
    private var valueNames: [Int: String] = [:]
    private var usedNames = Set<String>()
    private var counter = 0
    /// How many nodes read each value (a convolution's output read by one BatchNorm folds).
    private let consumers: [Int: Int]

    init(scoring: ScoringTrace, batchReshapes: [Int: [Int]]) {
        self.scoring = scoring
        self.batchReshapes = batchReshapes
        var consumers: [Int: Int] = [:]
        for node in scoring.trace.nodes { for input in node.inputs { consumers[input, default: 0] += 1 } }
        for output in [scoring.map] + (scoring.score.map { [$0] } ?? []) { consumers[output, default: 0] += 1 }
        self.consumers = consumers
    }

    /// The graph: input `images` (or the raw frames `image`, resized and normalised inside),
    /// outputs `anomaly_map` and (untiled) `score`.
    mutating func graph(size: Int, rawInput: RawImageInput? = nil) throws -> Onnx_GraphProto {
        valueNames[scoring.input] = "images"
        usedNames.formUnion(["images", "image", scoring.mapName])
        if let rawInput { writeRawImageInput(rawInput, into: "images") }
        var folded = Set<Int>()  // BatchNorm nodes merged into the convolution before them
        let nodesByOutput = Dictionary(uniqueKeysWithValues: scoring.trace.nodes.map { ($0.output, $0) })
        for (index, node) in scoring.trace.nodes.enumerated() where !folded.contains(index) {
            if let next = foldableNorm(after: node, at: index) {
                if case .convolution = node.operation {
                    try writeConvolution(node, foldingNorm: scoring.trace.nodes[next])
                } else {
                    writeTransposedConvolution(node, foldingNorm: scoring.trace.nodes[next])
                }
                folded.insert(next)
                continue
            }
            try write(node, producers: nodesByOutput)
        }
        var graph = Onnx_GraphProto()
        graph.name = "loupe"
        if let rawInput {
            graph.input = [Self.valueInfo("image", dimensions: ["N", "\(rawInput.frameHeight)", "\(rawInput.frameWidth)", "3"], type: .uint8)]
        } else {
            graph.input = [Self.valueInfo("images", dimensions: ["N", "3", "\(size)", "\(size)"])]
        }
        var mapOutput = Self.valueInfo(scoring.mapName, dimensions: ["N", "\(size)", "\(size)"])
        mapOutput.docString = scoring.mapDescription
        graph.output = [mapOutput]
        identity(from: name(of: scoring.map), to: scoring.mapName)
        if let score = scoring.score {
            graph.output.append(Self.valueInfo("score", dimensions: ["N"]))
            identity(from: name(of: score), to: "score")
        }
        graph.node = nodes
        graph.initializer = initializers
        return graph
    }

    /// The index of the BatchNorm that reads only this (unfused) convolution's output, if any.
    private func foldableNorm(after node: OperationTrace.Node, at index: Int) -> Int? {
        switch node.operation {
        case let .convolution(_, _, _, _, activation) where activation == nil: break
        case let .transposedConvolution(_, _, _, _, groups) where groups == 1: break
        default: return nil
        }
        guard consumers[node.output] == 1, node.inputs.dropFirst().allSatisfy({ scoring.trace.constants[$0] != nil }) else { return nil }
        guard let next = scoring.trace.nodes[(index + 1)...].firstIndex(where: { $0.inputs.contains(node.output) }),
              case .batchNormalization = scoring.trace.nodes[next].operation,
              scoring.trace.nodes[next].inputs.dropFirst().allSatisfy({ scoring.trace.constants[$0] != nil }) else { return nil }
        return next
    }

    // MARK: - Names and constants

    private mutating func fresh(_ hint: String) -> String {
        counter += 1
        var candidate = hint
        if usedNames.contains(candidate) { candidate = "\(hint)_\(counter)" }
        usedNames.insert(candidate)
        return candidate
    }

    /// The name of a traced value: a constant's initializer is written on first use, named
    /// after the weight it is when it is one.
    private mutating func name(of value: Int) -> String {
        if let known = valueNames[value] { return known }
        if let constant = scoring.trace.constants[value] {
            let named = fresh(scoring.names[constant.storageIdentity] ?? "constant")
            initializers.append(Self.tensor(named, constant.scalars, shape: constant.shape))
            valueNames[value] = named
            return named
        }
        let named = fresh("v\(value)")
        valueNames[value] = named
        return named
    }

    mutating func constant(_ values: [Float], shape: [Int], _ hint: String) -> String {
        let named = fresh(hint)
        initializers.append(Self.tensor(named, values, shape: shape))
        return named
    }

    mutating func doubles(_ values: [Double], shape: [Int], _ hint: String) -> String {
        let named = fresh(hint)
        var tensor = Onnx_TensorProto()
        tensor.name = named
        tensor.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(tensor)
        return named
    }

    private mutating func integers(_ values: [Int], _ hint: String) -> String {
        let named = fresh(hint)
        var tensor = Onnx_TensorProto()
        tensor.name = named
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values.map(Int64.init)
        initializers.append(tensor)
        return named
    }

    static func tensor(_ name: String, _ values: [Float], shape: [Int]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian on every Linux Loupe runs on
        return tensor
    }

    static func valueInfo(_ name: String, dimensions: [String], type elementType: Onnx_TensorProto.DataType = .float) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var type = Onnx_TypeProto.Tensor()
        type.elemType = Int32(elementType.rawValue)
        type.shape.dim = dimensions.map { text in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let value = Int64(text) { dimension.dimValue = value } else { dimension.dimParam = text }
            return dimension
        }
        info.type.tensorType = type
        return info
    }

    // MARK: - Nodes

    enum Attribute {
        case int(Int), ints([Int]), float(Float), string(String)
    }

    /// Adds a node; returns its (first) output's name. `extraOutputs` names outputs after
    /// the first that no node reads (TopK's indices).
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], output: String? = nil, _ attributes: [(String, Attribute)] = [],
                               extraOutputs: Int = 0) -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        let out = output ?? fresh(op.lowercased())
        node.output = [out] + (0..<extraOutputs).map { _ in fresh(op.lowercased() + "_unused") }
        node.name = fresh("\(op)_node")
        node.attribute = attributes.map { name, value in
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            switch value {
            case let .int(v): (attribute.type, attribute.i) = (.int, Int64(v))
            case let .ints(v): (attribute.type, attribute.ints) = (.ints, v.map(Int64.init))
            case let .float(v): (attribute.type, attribute.f) = (.float, v)
            case let .string(v): (attribute.type, attribute.s) = (.string, Data(v.utf8))
            }
            return attribute
        }
        nodes.append(node)
        return out
    }

    private mutating func identity(from source: String, to target: String) {
        node("Identity", [source], output: target)
    }

    /// Writes `node`'s result under its value's name.
    private mutating func write(_ traced: OperationTrace.Node, producers: [Int: OperationTrace.Node]) throws {
        let inputs = traced.inputs.map { name(of: $0) }
        let out = name(of: traced.output)
        let shapes = traced.inputs.map { scoring.trace.shapes[$0] }
        switch traced.operation {
        case .convolution:
            try writeConvolution(traced, foldingNorm: nil)
        case .transposedConvolution:
            writeTransposedConvolution(traced, foldingNorm: nil)
        case let .batchNormalization(epsilon):
            node("BatchNormalization", inputs, output: out, [("epsilon", .float(epsilon))])
        case let .layerNormalization(normalizedRank, epsilon):
            let features = Array(shapes[0].suffix(normalizedRank))
            let count = features.reduce(1, *)
            let scale = traced.inputs.count > 1 ? inputs[1] : constant([Float](repeating: 1, count: count), shape: features, "ones")
            let bias = traced.inputs.count > 2 ? inputs[2] : constant([Float](repeating: 0, count: count), shape: features, "zeros")
            node("LayerNormalization", [inputs[0], scale, bias], output: out, [("axis", .int(-normalizedRank)), ("epsilon", .float(epsilon))])
        case .relu: node("Relu", inputs, output: out)
        case .relu6: clip(inputs[0], 0, 6, output: out)
        case .sigmoid: node("Sigmoid", inputs, output: out)
        case .tanh: node("Tanh", inputs, output: out)
        case .gelu:
            // 0.5 · x · (1 + erf(x / √2)), the exact GELU (opset 18 has no Gelu node).
            let scaled = node("Mul", [inputs[0], constant([0.70710678118654752], shape: [], "inverse_sqrt2")])
            let plusOne = node("Add", [node("Erf", [scaled]), constant([1], shape: [], "one")])
            node("Mul", [node("Mul", [inputs[0], constant([0.5], shape: [], "half")]), plusOne], output: out)
        case let .leakyRelu(slope): node("LeakyRelu", inputs, output: out, [("alpha", .float(slope))])
        case let .softmax(axis): node("Softmax", inputs, output: out, [("axis", .int(axis))])
        case .sigmoidBlend:
            // b + σ(z)·(a − b).
            let chosen = node("Mul", [node("Sigmoid", [inputs[2]]), node("Sub", [inputs[0], inputs[1]])])
            node("Add", [inputs[1], chosen], output: out)
        case .softmaxWeightedSum:
            // The branches stacked on a new axis 1, their softmax there weighting them, summed.
            let stacked = node("Concat", inputs.map { node("Unsqueeze", [$0, integers([1], "axes")]) }, [("axis", .int(1))])
            let weighted = node("Mul", [node("Softmax", [stacked], [("axis", .int(1))]), stacked])
            node("ReduceSum", [weighted, integers([1], "axes")], output: out, [("keepdims", .int(0))])
        case .add: node("Add", inputs, output: out)
        case .subtract: node("Sub", inputs, output: out)
        case .multiply: node("Mul", inputs, output: out)
        case .divide: node("Div", inputs, output: out)
        case let .addScalar(s): node("Add", [inputs[0], constant([s], shape: [], "scalar")], output: out)
        case let .multiplyScalar(s): node("Mul", [inputs[0], constant([s], shape: [], "scalar")], output: out)
        case let .scalarMinus(s): node("Sub", [constant([s], shape: [], "scalar"), inputs[0]], output: out)
        case let .scalarDivide(s): node("Div", [constant([s], shape: [], "scalar"), inputs[0]], output: out)
        case let .power(e): node("Pow", [inputs[0], constant([e], shape: [], "exponent")], output: out)
        case .squareRoot: node("Sqrt", inputs, output: out)
        case .exponential: node("Exp", inputs, output: out)
        case .logarithm: node("Log", inputs, output: out)
        case .absolute: node("Abs", inputs, output: out)
        case let .clamp(lower, upper): clip(inputs[0], lower, upper, output: out)
        case let .reshape(target):
            node("Reshape", [inputs[0], integers(batchReshapes[traced.output] ?? target, "shape")], output: out)
        case let .permute(order): node("Transpose", inputs, output: out, [("perm", .ints(order))])
        case let .concatenate(axis): node("Concat", inputs, output: out, [("axis", .int(axis))])
        case let .slice(axis, start, end):
            node("Slice", [inputs[0], integers([start], "starts"), integers([end], "ends"), integers([axis], "axes")], output: out)
        case let .pad(top, bottom, left, right):
            let rank = shapes[0].count
            let begins = [Int](repeating: 0, count: rank - 2) + [top, left], ends = [Int](repeating: 0, count: rank - 2) + [bottom, right]
            node("Pad", [inputs[0], integers(begins + ends, "pads")], output: out, [("mode", .string("constant"))])
        case .matrixMultiply: node("MatMul", inputs, output: out)
        case let .maxPool(kernel, stride, padding):
            node("MaxPool", inputs, output: out, [("kernel_shape", .ints([kernel, kernel])), ("strides", .ints([stride, stride])),
                                                  ("pads", .ints([padding, padding, padding, padding]))])
        case let .averagePool(kernel, stride, padding):
            node("AveragePool", inputs, output: out, [("kernel_shape", .ints([kernel, kernel])), ("strides", .ints([stride, stride])),
                                                      ("pads", .ints([padding, padding, padding, padding])), ("count_include_pad", .int(1))])
        case .globalAveragePool: node("GlobalAveragePool", inputs, output: out)
        case let .adaptiveAveragePool(bins, columns):
            try writeAdaptiveAveragePool(inputs[0], shape: shapes[0], bins: bins, columns: columns, output: out)
        case let .sum(axes, keep): node("ReduceSum", [inputs[0], integers(axes, "axes")], output: out, [("keepdims", .int(keep ? 1 : 0))])
        case let .mean(axes, keep): node("ReduceMean", [inputs[0], integers(axes, "axes")], output: out, [("keepdims", .int(keep ? 1 : 0))])
        case let .maximum(axis): node("ReduceMax", [inputs[0], integers([axis], "axes")], output: out, [("keepdims", .int(1))])  // the engine keeps the axis
        case let .topMean(count):
            let length = shapes[0].last ?? 1
            let top = node("TopK", [inputs[0], integers([min(count, length)], "k")], [("axis", .int(-1)), ("largest", .int(1)), ("sorted", .int(1))],
                           extraOutputs: 1)
            node("ReduceMean", [top, integers([-1], "axes")], output: out, [("keepdims", .int(0))])
        case let .resizeBilinear(height, width):
            // PyTorch's bilinear with align_corners=False: ONNX's half_pixel (sizes given, as PyTorch exports it).
            node("Resize", [inputs[0], "", "", integers([height, width], "sizes")], output: out,
                 [("mode", .string("linear")), ("coordinate_transformation_mode", .string("pytorch_half_pixel")), ("axes", .ints([-2, -1]))])
        case let .cosineSimilarity(epsilon):
            // ⟨a,b⟩ / sqrt(max(‖a‖²‖b‖², ε²)) along axis 1, as the engine computes it.
            let axes = integers([1], "axes")
            let dot = node("ReduceSum", [node("Mul", [inputs[0], inputs[1]]), axes], [("keepdims", .int(0))])
            let aa = node("ReduceSum", [node("Mul", [inputs[0], inputs[0]]), axes], [("keepdims", .int(0))])
            let bb = node("ReduceSum", [node("Mul", [inputs[1], inputs[1]]), axes], [("keepdims", .int(0))])
            let floor = node("Max", [node("Mul", [aa, bb]), constant([epsilon * epsilon], shape: [], "epsilon_squared")])
            node("Div", [dot, node("Sqrt", [floor])], output: out)
        case let .separableBlur(taps):
            // Linear in each axis: rows then columns by matrices with the mirrored borders folded in.
            let (height, width) = (shapes[0][shapes[0].count - 2], shapes[0][shapes[0].count - 1])
            let rows = node("MatMul", [inputs[0], constant(Self.blurMatrix(taps, size: width, transposed: true), shape: [width, width], "blur_columns")])
            node("MatMul", [constant(Self.blurMatrix(taps, size: height, transposed: false), shape: [height, height], "blur_rows"), rows], output: out)
        case .identity: node("Identity", inputs, output: out)
        case let .unsupported(what): throw ExportError.unsupportedOperation(what)
        }
    }

    /// adaptive_avg_pool2d as ONNX has none: an AveragePool, as the bins tile the plane in
    /// every exportable model (sizes are multiples of 32, so SPR's planes are multiples of 8).
    /// Bins that overlap are refused by name rather than written untested.
    mutating func writeAdaptiveAveragePool(_ input: String, shape: [Int], bins: Int, columns: Int, output: String) throws {
        let (height, width) = (shape[2], shape[3])
        guard height % bins == 0 && width % columns == 0 else {
            throw ExportError.unsupportedOperation("adaptive average pooling of \(height)×\(width) planes into \(bins)×\(columns) bins that overlap")
        }
        let kernel = [height / bins, width / columns]
        node("AveragePool", [input], output: output, [("kernel_shape", .ints(kernel)), ("strides", .ints(kernel))])
    }

    mutating func clip(_ input: String, _ lower: Float, _ upper: Float, output: String) {
        let low = lower.isFinite ? constant([lower], shape: [], "min") : ""
        let high = upper.isFinite ? constant([upper], shape: [], "max") : ""
        node("Clip", [input, low, high], output: output)
    }

    /// A transposed convolution (groups 1 when `norm` is given), its BatchNorm folded in:
    /// the weight is Cin×Cout×kh×kw, so each output channel scales along axis 1.
    private mutating func writeTransposedConvolution(_ traced: OperationTrace.Node, foldingNorm norm: OperationTrace.Node?) {
        guard case let .transposedConvolution(stride, padding, outputPadding, dilation, groups) = traced.operation else { return }
        let inputs: [String], out: String
        if let norm, let (weight, bias) = folded(traced, norm, outputAxis: 1) {
            inputs = [name(of: traced.inputs[0]), weight, bias]
            out = name(of: norm.output)
        } else {
            (inputs, out) = (traced.inputs.map { name(of: $0) }, name(of: traced.output))
        }
        node("ConvTranspose", inputs, output: out, [("strides", .ints([stride, stride])), ("pads", .ints([padding, padding, padding, padding])),
                                                    ("output_padding", .ints([outputPadding, outputPadding])),
                                                    ("dilations", .ints([dilation, dilation])), ("group", .int(groups))])
    }

    /// The weight and bias of a convolution (output channels on `outputAxis` of its weight)
    /// with the evaluation-mode BatchNorm `norm` folded in: w·γ/σ and (b − μ)·γ/σ + β per
    /// output channel; written as initializers, their names returned.
    private mutating func folded(_ traced: OperationTrace.Node, _ norm: OperationTrace.Node, outputAxis: Int) -> (String, String)? {
        guard case let .batchNormalization(epsilon) = norm.operation else { return nil }
        let constants = scoring.trace.constants
        let weight = constants[traced.inputs[1]]!
        let (gamma, beta, mean, variance) = (constants[norm.inputs[1]]!.scalars, constants[norm.inputs[2]]!.scalars,
                                             constants[norm.inputs[3]]!.scalars, constants[norm.inputs[4]]!.scalars)
        let channels = weight.shape[outputAxis]
        let inner = weight.shape[(outputAxis + 1)...].reduce(1, *), outer = weight.shape[..<outputAxis].reduce(1, *)
        let scales = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        var w = weight.scalars
        for o in 0..<outer { for c in 0..<channels { for i in 0..<inner { w[(o * channels + c) * inner + i] *= scales[c] } } }
        let oldBias = traced.inputs.count > 2 ? constants[traced.inputs[2]]!.scalars : [Float](repeating: 0, count: channels)
        let b = (0..<channels).map { (oldBias[$0] - mean[$0]) * scales[$0] + beta[$0] }
        let base = scoring.names[weight.storageIdentity].map { String($0.dropLast(".weight".count)) } ?? "conv"
        return (constant(w, shape: weight.shape, base + ".folded_weight"), constant(b, shape: [channels], base + ".folded_bias"))
    }

    /// A convolution, its evaluation-mode BatchNorm folded in when `norm` is given:
    /// w·γ/σ and (b − μ)·γ/σ + β per output channel.
    private mutating func writeConvolution(_ traced: OperationTrace.Node, foldingNorm norm: OperationTrace.Node?) throws {
        guard case let .convolution(stride, padding, dilation, groups, activation) = traced.operation else { return }
        let inputs: [String], out: String
        if let norm, let (weight, bias) = folded(traced, norm, outputAxis: 0) {
            inputs = [name(of: traced.inputs[0]), weight, bias]
            out = name(of: norm.output)
        } else {
            inputs = traced.inputs.map { name(of: $0) }
            out = name(of: traced.output)
        }
        let attributes: [(String, Attribute)] = [("strides", .ints([stride, stride])), ("dilations", .ints([dilation, dilation])),
                                                 ("pads", .ints([padding.top, padding.left, padding.bottom, padding.right])), ("group", .int(groups))]
        switch activation {
        case nil: node("Conv", inputs, output: out, attributes)
        case .relu?: node("Relu", [node("Conv", inputs, attributes)], output: out)
        case .relu6?: clip(node("Conv", inputs, attributes), 0, 6, output: out)
        }
    }

    /// The size×size matrix of a 1-D blur with half-sample-symmetric borders (scipy's
    /// "reflect"): entry [i][j] is the weight of input j in output i (transposed: [j][i]).
    static func blurMatrix(_ taps: [Float], size: Int, transposed: Bool) -> [Float] {
        var matrix = [Float](repeating: 0, count: size * size)
        let radius = taps.count / 2
        for i in 0..<size {
            for (k, weight) in taps.enumerated() {
                var j = i + k - radius
                // Mirror into 0..<size: … c b a | a b c … (period 2·size).
                let period = 2 * size
                j %= period
                if j < 0 { j += period }
                if j >= size { j = period - 1 - j }
                matrix[transposed ? j * size + i : i * size + j] += weight
            }
        }
        return matrix
    }
}
