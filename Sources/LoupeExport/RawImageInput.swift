import Foundation
import LoupeImaging

/// `loupe export --with-preprocessing`: the model takes the camera's 8-bit RGB frames
/// (N×H×W×3 uint8, as decoded) and resizes and normalises them inside the graph, exactly as
/// Loupe does: Pillow's two fixed-point passes as float64 products (exact: every sum stays
/// below 2^53), each rounded and clipped to 0…255, then value · scale + shift in float32.
public struct RawImageInput: Sendable, Equatable {
    public let frameWidth: Int, frameHeight: Int
    /// The network's square input side.
    let size: Int
    let scale: [Float], shift: [Float]

    init(frameWidth: Int, frameHeight: Int, size: Int, normalization: Normalization) {
        (self.frameWidth, self.frameHeight, self.size) = (frameWidth, frameHeight, size)
        let affine = (0..<3).map { normalization.affine(channel: $0) }
        (scale, shift) = (affine.map(\.0), affine.map(\.1))
    }
}

extension ONNXGraphWriter {
    /// Nodes from the graph input `image` to the value `images` the network reads.
    mutating func writeRawImageInput(_ raw: RawImageInput, into images: String) {
        let double = Int(Onnx_TensorProto.DataType.double.rawValue), float = Int(Onnx_TensorProto.DataType.float.rawValue)
        var x = node("Transpose", [node("Cast", ["image"], [("to", .int(double))])], [("perm", .ints([0, 3, 1, 2]))])
        if raw.frameWidth != raw.size {
            // Rows times W×S: each output column a weighted sum of the row's inputs.
            let matrix = PillowResampling.fixedPointMatrix(inputSize: raw.frameWidth, outputSize: raw.size)
            let transposed = (0..<raw.frameWidth).flatMap { i in matrix.map { Double($0[i]) } }
            x = roundedPass(node("MatMul", [x, doubles(transposed, shape: [raw.frameWidth, raw.size], "resize_columns")]))
        }
        if raw.frameHeight != raw.size {
            let matrix = PillowResampling.fixedPointMatrix(inputSize: raw.frameHeight, outputSize: raw.size)
            x = roundedPass(node("MatMul", [doubles(matrix.flatMap { $0.map(Double.init) }, shape: [raw.size, raw.frameHeight], "resize_rows"), x]))
        }
        let values = node("Cast", [x], [("to", .int(float))])
        let scaled = node("Mul", [values, constant(raw.scale, shape: [1, 3, 1, 1], "normalization_scale")])
        node("Add", [scaled, constant(raw.shift, shape: [1, 3, 1, 1], "normalization_shift")], output: images)
    }

    /// Pillow's rounding of a pass: (Σ + 2^(b−1)) >> b, clipped to 0…255.
    private mutating func roundedPass(_ sum: String) -> String {
        let bits = PillowResampling.precisionBits
        let half = doubles([Double(1 << (bits - 1))], shape: [], "half")
        let unit = doubles([1 / Double(1 << bits)], shape: [], "fixed_point_unit")
        let shifted = node("Floor", [node("Mul", [node("Add", [sum, half]), unit])])
        return node("Clip", [shifted, doubles([0], shape: [], "min"), doubles([255], shape: [], "max")])
    }
}
