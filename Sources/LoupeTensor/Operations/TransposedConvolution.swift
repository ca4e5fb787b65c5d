extension Tensor {
    /// The transpose (gradient) of `conv2d`, as PyTorch's `conv_transpose2d`: an
    /// N×Cin×H×W input and a Cin×(O/groups)×kh×kw weight give N×O×H'×W' with
    /// H' = (H−1)·stride − 2·padding + dilation·(kh−1) + outputPadding + 1.
    ///
    /// It is a convolution from the output back to the input run in reverse, so it reuses
    /// the convolution kernel: forward = that kernel's input gradient, and so on.
    public func transposedConv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                 outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1) -> Tensor {
        traced(.transposedConvolution(stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups), [self, weight, bias]) {
            invariant(rank == 4 && weight.rank == 4, "transposedConv2d: needs a 4-D input and weight, got \(shape) and \(weight.shape)")
            let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
            invariant(groups > 0 && weight.shape[0] == channels && channels % groups == 0,
                         "transposedConv2d: input \(shape) and weight \(weight.shape) do not agree with groups \(groups)")
            invariant(outputPadding >= 0 && (outputPadding < stride || outputPadding < dilation),
                         "transposedConv2d: output padding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
            let outChannels = weight.shape[1] * groups
            let (kh, kw) = (weight.shape[2], weight.shape[3])
            let outHeight = (height - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1
            let outWidth = (width - 1) * stride - 2 * padding + dilation * (kw - 1) + outputPadding + 1
            invariant(outHeight > 0 && outWidth > 0, "transposedConv2d: output would be \(outHeight)x\(outWidth) for input \(shape)")
            if let bias { invariant(bias.shape == [outChannels], "transposedConv2d: bias \(bias.shape) must be [\(outChannels)]") }
            // The convolution this one transposes: from the output (O channels) to the input.
            let geometry = ConvolutionGeometry(channels: outChannels, height: outHeight, width: outWidth,
                                               kernelHeight: kh, kernelWidth: kw, stride: stride,
                                               padding: Padding2D(padding), dilation: dilation, op: "transposedConv2d")
            let kernel = ConvolutionKernel(geometry: geometry, outChannels: channels, groups: groups, batch: batch)
            let x = detached, w = weight.detached
            var result = Tensor.build(shape: [batch, outChannels, outHeight, outWidth]) { out in
                x.withUnsafePointer { xp in w.withUnsafePointer { wp in kernel.inputGradient(xp, wp, out) } }
            }
            if let bias { result.addChannelBias(bias) }
            let needs = (requiresGradient, weight.requiresGradient, bias?.requiresGradient ?? false)
            return result.recorded(from: [self, weight] + (bias.map { [$0] } ?? [])) { g in
                // Both gradients read g unfolded (or transformed): the input gradient's forward
                // keeps it for the weight gradient, so it is unfolded once.
                var kept: Tensor?
                let gradInput: Tensor? = needs.0 ? Tensor.build(shape: x.shape) { out in
                    g.withUnsafePointer { gp in
                        w.withUnsafePointer { wp in
                            guard needs.1, let count = kernel.keptCount else { return kernel.forward(gp, wp, out) }
                            kept = Tensor.build(shape: [count]) { kernel.forward(gp, wp, out, keeping: $0) }
                        }
                    }
                } : nil
                let gradWeight: Tensor? = needs.1 ? Tensor.build(shape: w.shape) { out in
                    x.withUnsafePointer { xp in
                        g.withUnsafePointer { gp in
                            w.withUnsafePointer { wp in
                                guard let kept else { return kernel.weightGradient(xp, gp, out) }
                                kept.withUnsafePointer { kernel.gradients(xp, wp, input: gp, kept: $0, dx: nil, dw: out) }
                            }
                        }
                    }
                } : nil
                var grads = [gradInput, gradWeight]
                if bias != nil { grads.append(needs.2 ? g.channelSums() : nil) }
                return grads
            }
        }
    }
}
