import Foundation
import LoupeTensor

/// Antialiased bilinear resizing with Pillow's arithmetic, so Loupe's inputs match what
/// the PyTorch reference feeds its networks (`Image.resize(size, BILINEAR)`).
///
/// When shrinking, the triangle filter widens by the scale factor (antialiasing); each
/// output sample is a normalised weighted sum of the inputs under it. 8-bit images use
/// Pillow's fixed-point weights (22 fractional bits) and round and clip after each pass,
/// which reproduces Pillow exactly; other images use the same weights in floating point.
struct ResamplingWeights {
    /// Per output index: the first input index and the weights from there on.
    let starts: [Int]
    let weights: [[Double]]

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale  // the bilinear filter's support is 1
        var starts: [Int] = [], weights: [[Double]] = []
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            var row = (first..<end).map { input in max(0, 1 - abs((Double(input) - center + 0.5) / filterScale)) }
            let total = row.reduce(0, +)
            if total != 0 { row = row.map { $0 / total } }
            starts.append(first)
            weights.append(row)
        }
        self.starts = starts
        self.weights = weights
    }

    static let precisionBits = 22

    /// The weights in Pillow's fixed point, rounded away from zero.
    var fixedPoint: [[Int]] {
        weights.map { row in
            row.map { w in Int(w < 0 ? -0.5 + w * Double(1 << Self.precisionBits) : 0.5 + w * Double(1 << Self.precisionBits)) }
        }
    }
}

extension Image {
    /// This image resized to `width`×`height` as Pillow's bilinear resize does.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        invariant(newWidth > 0 && newHeight > 0, "resized: target \(newWidth)x\(newHeight) must be positive")
        var result = self
        if newWidth != width { result = result.resampledHorizontally(to: newWidth) }
        if newHeight != height { result = result.resampledVertically(to: newHeight) }
        return result
    }

    /// 8-bit images take Pillow's integer path (whole 0–255 samples, as decoded).
    private var usesIntegerArithmetic: Bool { sourceBitDepth == 8 }

    private func resampledHorizontally(to size: Int) -> Image {
        let table = ResamplingTable(inputSize: width, outputSize: size)
        let lines = channels * height
        var out = [Float](repeating: 0, count: lines * size)
        let integer = usesIntegerArithmetic
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for line in 0..<lines {
                    let row = source.baseAddress! + line * width, output = target.baseAddress! + line * size
                    for o in 0..<size {
                        output[o] = integer ? table.integerSum(row, output: o, step: 1) : table.floatSum(row, output: o, step: 1)
                    }
                }
            }
        }
        return Image(width: size, height: height, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }

    private func resampledVertically(to size: Int) -> Image {
        let table = ResamplingTable(inputSize: height, outputSize: size)
        var out = [Float](repeating: 0, count: channels * size * width)
        let integer = usesIntegerArithmetic
        let half = Int32(1 << (ResamplingWeights.precisionBits - 1))
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: width) { integerRow in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { floatRow in
                        for channel in 0..<channels {
                            let plane = source.baseAddress! + channel * width * height
                            for o in 0..<size {
                                let start = table.starts[o], taps = table.counts[o]
                                let output = target.baseAddress! + (channel * size + o) * width
                                // Accumulate whole rows: contiguous, so the loops vectorise.
                                if integer {
                                    for x in 0..<width { integerRow[x] = half }
                                    for k in 0..<taps {
                                        let weight = table.fixed[o * table.stride + k], row = plane + (start + k) * width
                                        for x in 0..<width { integerRow[x] &+= Int32(row[x]) &* weight }
                                    }
                                    for x in 0..<width { output[x] = Float(min(max(integerRow[x] >> Int32(ResamplingWeights.precisionBits), 0), 255)) }
                                } else {
                                    for x in 0..<width { floatRow[x] = 0 }
                                    for k in 0..<taps {
                                        let weight = table.weights[o * table.stride + k], row = plane + (start + k) * width
                                        for x in 0..<width { floatRow[x] += Double(row[x]) * weight }
                                    }
                                    for x in 0..<width { output[x] = Float(floatRow[x]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: width, height: size, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }
}

/// `ResamplingWeights` flattened for the inner loops: `stride` weights per output.
struct ResamplingTable {
    let starts: [Int], counts: [Int]
    let stride: Int
    let weights: [Double]
    let fixed: [Int32]

    init(inputSize: Int, outputSize: Int) {
        let table = ResamplingWeights(inputSize: inputSize, outputSize: outputSize)
        starts = table.starts
        counts = table.weights.map(\.count)
        stride = counts.max() ?? 0
        var weights = [Double](repeating: 0, count: outputSize * stride)
        var fixed = [Int32](repeating: 0, count: outputSize * stride)
        for (o, (row, fixedRow)) in zip(table.weights, table.fixedPoint).enumerated() {
            for k in row.indices {
                weights[o * stride + k] = row[k]
                fixed[o * stride + k] = Int32(fixedRow[k])
            }
        }
        self.weights = weights
        self.fixed = fixed
    }

    @inline(__always)
    func integerSum(_ line: UnsafePointer<Float>, output o: Int, step: Int) -> Float {
        var sum = Int32(1 << (ResamplingWeights.precisionBits - 1))
        let start = starts[o]
        for k in 0..<counts[o] { sum &+= Int32(line[(start + k) * step]) &* fixed[o * stride + k] }
        return Float(min(max(sum >> Int32(ResamplingWeights.precisionBits), 0), 255))
    }

    @inline(__always)
    func floatSum(_ line: UnsafePointer<Float>, output o: Int, step: Int) -> Float {
        var sum = 0.0
        let start = starts[o]
        for k in 0..<counts[o] { sum += Double(line[(start + k) * step]) * weights[o * stride + k] }
        return Float(sum)
    }
}

extension Image {
    /// Nearest-neighbour resize as Pillow's NEAREST: output x reads input ⌊(x + ½)·in/out⌋.
    /// For masks, whose values must stay 0 or 255.
    public func resizedNearest(width newWidth: Int, height newHeight: Int) -> Image {
        invariant(newWidth > 0 && newHeight > 0, "resizedNearest: target \(newWidth)x\(newHeight) must be positive")
        let xs = (0..<newWidth).map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(newWidth))) }
        let ys = (0..<newHeight).map { min(height - 1, Int((Double($0) + 0.5) * Double(height) / Double(newHeight))) }
        var out = [Float](repeating: 0, count: newWidth * newHeight * channels)
        for c in 0..<channels {
            for (y, sy) in ys.enumerated() {
                for (x, sx) in xs.enumerated() { out[(c * newHeight + y) * newWidth + x] = pixels[(c * height + sy) * width + sx] }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }
}

/// Pillow's bilinear resampling as a matrix, for runtimes that resize by a product (the
/// ONNX export's raw-image input): the same fixed-point weights `resized` uses.
public enum PillowResampling {
    /// Fractional bits of the weights: a pass's sum is rounded as (Σ + 2^(bits−1)) >> bits.
    public static let precisionBits = ResamplingWeights.precisionBits

    /// outputSize rows of inputSize integer weights each: entry [o][i] is input i's weight in output o.
    public static func fixedPointMatrix(inputSize: Int, outputSize: Int) -> [[Int]] {
        let table = ResamplingWeights(inputSize: inputSize, outputSize: outputSize)
        return zip(table.starts, table.fixedPoint).map { start, weights in
            var row = [Int](repeating: 0, count: inputSize)
            for (k, weight) in weights.enumerated() { row[start + k] = weight }
            return row
        }
    }
}
