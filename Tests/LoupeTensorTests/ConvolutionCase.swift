import LoupeTensor
import Testing

/// One convolution's shapes and settings, for the suites that check a convolution path
/// against the definition (`ConvolutionReferenceTests`, `FusedConvolutionTests`).
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var batch = 3, channels = 3, outChannels = 4, groups = 1, height = 7, width = 6
    var kernelHeight = 3, kernelWidth = 3, stride = 1, dilation = 1
    var padding = Padding2D(1)
    var testDescription: String {
        "\(batch)x\(channels)x\(height)x\(width) k\(kernelHeight)x\(kernelWidth)→\(outChannels) g\(groups) s\(stride) d\(dilation) pad \(padding.top),\(padding.left),\(padding.bottom),\(padding.right)"
    }
    var outputHeight: Int { (height + padding.top + padding.bottom - dilation * (kernelHeight - 1) - 1) / stride + 1 }
    var outputWidth: Int { (width + padding.left + padding.right - dilation * (kernelWidth - 1) - 1) / stride + 1 }
}

extension ConvolutionCase {
    /// Calls `body(y, x, w)` for every output, input and weight value the definition
    /// multiplies together, as flat indices into N×O×oh×ow, N×C×H×W and O×(C/groups)×kh×kw,
    /// skipping taps that fall in the padding; outputs in order, taps by input channel, then
    /// kernel row and column.
    func forEachProduct(_ body: (Int, Int, Int) -> Void) {
        let perGroupIn = channels / groups, perGroupOut = outChannels / groups
        for n in 0..<batch {
            for o in 0..<outChannels {
                for oy in 0..<outputHeight {
                    for ox in 0..<outputWidth {
                        let yIndex = ((n * outChannels + o) * outputHeight + oy) * outputWidth + ox
                        for c in 0..<perGroupIn {
                            let inputChannel = o / perGroupOut * perGroupIn + c
                            for ky in 0..<kernelHeight {
                                let iy = oy * stride + ky * dilation - padding.top
                                guard iy >= 0 && iy < height else { continue }
                                for kx in 0..<kernelWidth {
                                    let ix = ox * stride + kx * dilation - padding.left
                                    guard ix >= 0 && ix < width else { continue }
                                    body(yIndex, ((n * channels + inputChannel) * height + iy) * width + ix,
                                         ((o * perGroupIn + c) * kernelHeight + ky) * kernelWidth + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
