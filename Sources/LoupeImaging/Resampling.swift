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
        if newWidth == width && newHeight == height { return self }
        let exact = sourceBitDepth == 8 && pixels.allSatisfy { $0 == $0.rounded() && $0 >= 0 && $0 <= 255 }
        var result = self
        if newWidth != width {
            result = result.resampled(along: .horizontal, to: newWidth, integerArithmetic: exact)
        }
        if newHeight != height {
            result = result.resampled(along: .vertical, to: newHeight, integerArithmetic: exact)
        }
        return result
    }

    private enum Axis { case horizontal, vertical }

    private func resampled(along axis: Axis, to size: Int, integerArithmetic: Bool) -> Image {
        let horizontal = axis == .horizontal
        let (outWidth, outHeight) = horizontal ? (size, height) : (width, size)
        let table = ResamplingWeights(inputSize: horizontal ? width : height, outputSize: size)
        let fixed = table.fixedPoint
        var out = [Float](repeating: 0, count: outWidth * outHeight * channels)
        let inPlane = width * height, outPlane = outWidth * outHeight
        // Input element offset of sample `i` along the axis, for line `line` across it.
        let step = horizontal ? 1 : width
        let lineStep = horizontal ? width : 1
        let outStep = horizontal ? 1 : outWidth, outLineStep = horizontal ? outWidth : 1
        let lines = horizontal ? height : width
        let half = 1 << (ResamplingWeights.precisionBits - 1)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for c in 0..<channels {
                    let input = source.baseAddress! + c * inPlane, output = target.baseAddress! + c * outPlane
                    for line in 0..<lines {
                        let base = input + line * lineStep
                        for o in 0..<size {
                            let start = table.starts[o]
                            let value: Float
                            if integerArithmetic {
                                var sum = half
                                for (k, w) in fixed[o].enumerated() { sum += Int(base[(start + k) * step]) * w }
                                value = Float(min(max(sum >> ResamplingWeights.precisionBits, 0), 255))
                            } else {
                                var sum = 0.0
                                for (k, w) in table.weights[o].enumerated() { sum += Double(base[(start + k) * step]) * w }
                                value = Float(sum)
                            }
                            output[line * outLineStep + o * outStep] = value
                        }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }
}
