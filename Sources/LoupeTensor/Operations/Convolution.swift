import Foundation

extension Tensor {
    /// 2-D cross-correlation of an N×C×H×W input with an O×(C/groups)×kh×kw weight, as
    /// PyTorch's `conv2d`, then `activation` if given. 1×1 convolutions are one matrix
    /// product; k×k ones unfold the input (im2col) and multiply; depthwise ones run a direct
    /// loop. Without a tape to record, bias and activation are applied as the output is
    /// written; with one, the activation is its own operation (same values).
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding2D = .zero,
                       dilation: Int = 1, groups: Int = 1, activation: ConvolutionActivation? = nil) -> Tensor {
        traced(.convolution(stride: stride, padding: padding, dilation: dilation, groups: groups, activation: activation), [self, weight, bias]) {
            let records = GradientMode.isEnabled && (requiresGradient || weight.requiresGradient || bias?.requiresGradient == true)
            if let activation, records {
                return activation(conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups))
            }
            invariant(rank == 4 && weight.rank == 4, "conv2d: needs a 4-D input and weight, got \(shape) and \(weight.shape)")
            let (batch, channels) = (shape[0], shape[1])
            let outChannels = weight.shape[0]
            invariant(groups > 0 && channels % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == channels,
                         "conv2d: input \(shape) and weight \(weight.shape) do not agree with groups \(groups)")
            if let bias { invariant(bias.shape == [outChannels], "conv2d: bias \(bias.shape) must be [\(outChannels)]") }
            let geometry = ConvolutionGeometry(channels: channels, height: shape[2], width: shape[3],
                                               kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                                               stride: stride, padding: padding, dilation: dilation, op: "conv2d")
            if let d = DilatedConvolution.phasedDilation(of: geometry, outChannels: outChannels, groups: groups, batch: batch) {
                return dilationPhases(d).conv2d(weight: weight, bias: bias, padding: Padding2D(1), activation: activation)
                    .mergingDilationPhases(d, height: geometry.outputHeight, width: geometry.outputWidth)
            }
            let kernel = ConvolutionKernel(geometry: geometry, outChannels: outChannels, groups: groups, batch: batch)
            let x = detached, w = weight.detached
            let needs = (requiresGradient, weight.requiresGradient, bias?.requiresGradient ?? false)
            // The weight gradient multiplies by the same unfolded (or transformed) input: keep it from here.
            var kept: Tensor?
            let result = Tensor.build(shape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth]) { out in
                x.withUnsafePointer { xp in
                    w.withUnsafePointer { wp in
                        bias.withOptionalPointer { bp in
                            let epilogue = ConvolutionEpilogue(bias: bp, activation: activation)
                            guard needs.1, GradientMode.isEnabled, let count = kernel.keptCount else {
                                // Nothing kept for a backward: reuse the weights' transform while they stay unchanged.
                                let transformed = kernel.winograd.map { winograd in
                                    w.storage.derived(key: winograd.outputTile, count: winograd.transformedWeightCount) {
                                        winograd.transformWeights(wp, into: $0)
                                    }
                                }
                                return withExtendedLifetime(transformed) {
                                    kernel.forward(xp, wp, out, transformedWeights: transformed.map { UnsafePointer($0.pointer) }, epilogue: epilogue)
                                }
                            }
                            kept = Tensor.build(shape: [count]) { kept in kernel.forward(xp, wp, out, keeping: kept, epilogue: epilogue) }
                        }
                    }
                }
            }
            return result.recorded(from: [self, weight] + (bias.map { [$0] } ?? [])) { g in
                var gradInput: Tensor? = needs.0 ? Tensor.build(shape: x.shape) { _ in } : nil
                var gradWeight: Tensor? = needs.1 ? Tensor.build(shape: w.shape) { _ in } : nil
                g.withUnsafePointer { gp in
                    w.withUnsafePointer { wp in
                        x.withUnsafePointer { xp in
                            gradInput.withOptionalMutablePointer { dx in
                                gradWeight.withOptionalMutablePointer { dw in
                                    guard let kept else { return kernel.gradients(gp, wp, input: xp, kept: nil, dx: dx, dw: dw) }
                                    kept.withUnsafePointer { kernel.gradients(gp, wp, input: xp, kept: $0, dx: dx, dw: dw) }
                                }
                            }
                        }
                    }
                }
                var grads = [gradInput, gradWeight]
                if bias != nil { grads.append(needs.2 ? g.channelSums() : nil) }
                return grads
            }
        }
    }

    /// Adds `bias[c]` to every element of channel c of an N×C×… tensor, in place.
    mutating func addChannelBias(_ bias: Tensor) {
        let channels = shape[1], plane = count / max(shape[0] * channels, 1), batch = shape[0]
        withUnsafeMutablePointer { out in
            bias.withUnsafePointer { b in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = out + (n * channels + c) * plane
                        let value = b[c]
                        for i in 0..<plane { base[i] += value }
                    }
                }
            }
        }
    }

    /// Σ over every axis but 1: the gradient of a per-channel bias.
    func channelSums() -> Tensor {
        let batch = shape[0], channels = shape[1], plane = count / max(batch * channels, 1)
        return Tensor.build(shape: [channels]) { out in
            withUnsafePointer { g in
                for c in 0..<channels {
                    var total: Float = 0
                    for n in 0..<batch {
                        let base = g + (n * channels + c) * plane
                        for i in 0..<plane { total += base[i] }
                    }
                    out[c] = total
                }
            }
        }
    }
}

/// The three products of a convolution (forward, input gradient, weight gradient) for one
/// geometry; the transposed convolution reuses them with roles swapped.
struct ConvolutionKernel {
    let geometry: ConvolutionGeometry
    let outChannels: Int
    let groups: Int
    let batch: Int

    var inputChannelsPerGroup: Int { geometry.channels / groups }
    var outChannelsPerGroup: Int { outChannels / groups }
    var isDepthwise: Bool { groups == geometry.channels && groups == outChannels && groups > 1 }
    /// Per-group rows of the column matrix.
    var groupColumnRows: Int { inputChannelsPerGroup * geometry.kernelArea }

    /// Small images are unfolded side by side into one column matrix for the whole batch,
    /// so each product is one large GEMM instead of one small GEMM per image: at the low
    /// resolutions of a distillation student, per-image GEMMs spent more time waking
    /// OpenBLAS's threads than multiplying.
    var batchesColumns: Bool {
        guard groups == 1, batch > 1 else { return false }
        // A pointwise convolution's image is its own column matrix: from 64² up, per-image
        // products read and write N×C×H×W memory directly, where batching copied the input,
        // and the output gradient twice, for the backward (RCM's 1×1 layers at 64², batch 16:
        // backward 4× their forward).
        if geometry.isPointwise && geometry.outputArea >= 4096 { return false }
        // Few output channels make a thin per-image GEMM at any resolution; cap the
        // column matrix at 64 Mi values (256 MB).
        let small = geometry.outputArea < 4096 || outChannels < 64 || geometry.columnRows < 256
        return small && geometry.columnRows * geometry.outputArea * batch <= 1 << 26
    }

    /// The Winograd form of this convolution, when it has one worth using.
    var winograd: WinogradKernel? { WinogradKernel(geometry: geometry, outChannels: outChannels, groups: groups, batch: batch) }

    /// Size of what a training step should keep from the forward pass for the backward —
    /// the batch's column matrix, or the Winograd-transformed input and weights — saving one
    /// unfold of the input (and one weight transform) per step; nil when there is none
    /// (per-image, depthwise, pointwise) or it is over 64 MB (Winograd) or 128 MB (columns:
    /// the students' 7×7 stride-2 stem on 8 images at 256² unfolds 77 MB, and unfolding it
    /// again took a third of its weight gradient).
    var keptCount: Int? {
        if isDirect || unfoldsInBlocks { return nil }
        if let winograd { return winograd.keptCount <= 1 << 24 ? winograd.keptCount : nil }
        let count = geometry.columnRows * geometry.outputArea * batch
        guard batchesColumns, !geometry.isPointwise, count <= 1 << 25 else { return nil }
        return count
    }

    /// out[n] = W · im2col(x[n]) per group (or its Winograd form); what the weight gradient
    /// reuses is left in `kept` (`keptCount` values) when given.
    /// `epilogue` (bias, activation) is applied to every output value before this returns.
    /// A Winograd convolution uses `transformedWeights` (U) when given instead of transforming `w`.
    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                 keeping kept: UnsafeMutablePointer<Float>? = nil, transformedWeights: UnsafePointer<Float>? = nil,
                 epilogue: ConvolutionEpilogue = .none) {
        if isDepthwise { return depthwiseForward(x, w, out, epilogue: epilogue) }
        if geometry.isPointwise && groups == 1 { return pointwiseForward(x, w, out, epilogue: epilogue) }
        if isDirect {
            directForward(x, w, out)
        } else if let winograd, let transformedWeights {
            winograd.forward(x, transformedWeights: transformedWeights, out)
        } else {
            product(x, w, out, keeping: kept)
        }
        epilogue.apply(to: out, batch: batch, channels: outChannels, area: geometry.outputArea)
    }

    /// The forward's products alone.
    private func product(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                         keeping kept: UnsafeMutablePointer<Float>?) {
        if let winograd { return winograd.forward(x, w, out, keeping: kept) }
        if unfoldsInBlocks { return blockedForward(x, w, out) }
        if batchesColumns { return batchedForward(x, w, out, keeping: kept) }
        let g = geometry
        withColumns { columns in
            for n in 0..<batch {
                let source = columnMatrix(of: x + n * g.channels * g.imageArea, scratch: columns)
                for group in 0..<groups {
                    gemm(transposeA: false, transposeB: false, m: outChannelsPerGroup, n: g.outputArea, k: groupColumnRows,
                         a: w + group * outChannelsPerGroup * groupColumnRows, lda: groupColumnRows,
                         b: source + group * groupColumnRows * g.outputArea, ldb: g.outputArea,
                         c: out + (n * outChannels + group * outChannelsPerGroup) * g.outputArea, ldc: g.outputArea)
                }
            }
        }
    }

    /// dx[n] = col2im(Wᵀ · dy[n]) per group.
    func inputGradient(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let g = geometry
        if isDirect { return directInputGradient(dy, w, dx) }
        if let winograd { return winograd.gradients(dy, w, input: nil, kept: nil, dx: dx, dw: nil) }
        if let adjoint { return adjointInputGradient(adjoint, dy, w, dx) }
        if isDepthwise { return depthwiseInputGradient(dy, w, dx) }
        if batchesColumns { return batchedInputGradient(dy, w, dx) }
        withColumns { columns in
            for n in 0..<batch {
                let image = dx + n * g.channels * g.imageArea
                let target = columns ?? image
                for group in 0..<groups {
                    gemm(transposeA: true, transposeB: false, m: groupColumnRows, n: g.outputArea, k: outChannelsPerGroup,
                         a: w + group * outChannelsPerGroup * groupColumnRows, lda: groupColumnRows,
                         b: dy + (n * outChannels + group * outChannelsPerGroup) * g.outputArea, ldb: g.outputArea,
                         c: target + group * groupColumnRows * g.outputArea, ldc: g.outputArea)
                }
                if let columns { g.columnsToImage(columns, image, replacing: true) }
            }
        }
    }

    /// dW = Σₙ dy[n] · im2col(x[n])ᵀ per group.
    func weightGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let g = geometry
        if isDepthwise { return depthwiseWeightGradient(dy, x, dw) }
        if isDirect { return directWeightGradient(dy, x, dw) }
        if unfoldsInBlocks { return blockedWeightGradient(dy, x, dw) }
        if let winograd { return winograd.gradients(dy, nil, input: x, kept: nil, dx: nil, dw: dw) }
        if batchesColumns { return batchedWeightGradient(dy, x, dw) }
        withColumns { columns in
            for n in 0..<batch {
                let source = columnMatrix(of: x + n * g.channels * g.imageArea, scratch: columns)
                for group in 0..<groups {
                    gemm(transposeA: false, transposeB: true, m: outChannelsPerGroup, n: groupColumnRows, k: g.outputArea,
                         a: dy + (n * outChannels + group * outChannelsPerGroup) * g.outputArea, lda: g.outputArea,
                         b: source + group * groupColumnRows * g.outputArea, ldb: g.outputArea,
                         c: dw + group * outChannelsPerGroup * groupColumnRows, ldc: groupColumnRows, accumulate: n > 0)
                }
            }
        }
    }

    /// Either or both gradients: dx (of dy through W) and dW (of dy against the input x, or
    /// against what `forward` kept from it). Winograd shares one transform of dy between them.
    func gradients(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, input x: UnsafePointer<Float>, kept: UnsafePointer<Float>?,
                   dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        if let winograd { return winograd.gradients(dy, w, input: x, kept: kept, dx: dx, dw: dw) }
        if let dx { inputGradient(dy, w, dx) }
        guard let dw else { return }
        if let kept { columnsWeightGradient(dy, columns: kept, dw) } else { weightGradient(dy, x, dw) }
    }

    /// For a dense stride-1 convolution, the convolution its input gradient is: dy correlated
    /// with the flipped filter, channels swapped, padded by the kernel's reach less the
    /// original padding. Unfolding dy and one product with inner size O·kh·kw replaces a
    /// thin product (inner size O) and a scatter-add fold: 30 % less time on RD's 3×3 convs.
    /// A depthwise one is the same with each channel's filter flipped: its scatter-add
    /// backward ran short rows tap by tap (16² planes of 1,152 channels: backward 5× the
    /// forward); as a forward it reads whole padded rows eight outputs at a time.
    var adjoint: ConvolutionKernel? {
        let g = geometry
        guard groups == 1 || isDepthwise, g.stride == 1, !g.isPointwise else { return nil }
        let reachY = (g.kernelHeight - 1) * g.dilation, reachX = (g.kernelWidth - 1) * g.dilation
        let padding = Padding2D(top: reachY - g.padding.top, left: reachX - g.padding.left,
                                bottom: reachY - g.padding.bottom, right: reachX - g.padding.right)
        guard min(padding.top, padding.left, padding.bottom, padding.right) >= 0 else { return nil }
        let transposed = ConvolutionGeometry(channels: outChannels, height: g.outputHeight, width: g.outputWidth,
                                             kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: 1,
                                             padding: padding, dilation: g.dilation, op: "conv2d input gradient")
        return ConvolutionKernel(geometry: transposed, outChannels: g.channels, groups: groups, batch: batch)
    }

    /// dx = conv(dy, W flipped and transposed) through `adjoint` (depthwise: each filter flipped).
    private func adjointInputGradient(_ adjoint: ConvolutionKernel, _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                      _ dx: UnsafeMutablePointer<Float>) {
        let area = geometry.kernelArea, channels = inputChannelsPerGroup
        withScratch(count: outChannels * channels * area) { flipped in
            for o in 0..<outChannels {
                for c in 0..<channels {
                    let source = w + (o * channels + c) * area, target = flipped + (c * outChannels + o) * area
                    for tap in 0..<area { target[area - 1 - tap] = source[tap] }
                }
            }
            adjoint.forward(dy, flipped, dx)
        }
    }

    /// The column matrix of one image: unfolded into `scratch`, or the image itself when
    /// the convolution is pointwise (no scratch).
    private func columnMatrix(of image: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        guard let scratch else { return image }
        geometry.imageToColumns(image, scratch)
        return UnsafePointer(scratch)
    }

    /// A scratch column matrix for one image, or nil when the image is its own column
    /// matrix (pointwise convolution).
    private func withColumns(_ body: (UnsafeMutablePointer<Float>?) -> Void) {
        if geometry.isPointwise { return body(nil) }
        withScratch(count: geometry.columnRows * geometry.outputArea) { body($0) }
    }

    /// A pointwise convolution straight from and into N×C×H×W memory: W · x[n]
    /// in blocks of columns shared out over the cores, each block's bias and activation
    /// applied while it is still in cache. No copies, one pass over the output.
    private func pointwiseForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                  epilogue: ConvolutionEpilogue) {
        let area = geometry.outputArea, channels = geometry.channels
        var blockWidth = min(area, max(256, (1 << 17) / max(outChannels, 1)) & ~15)
        // At batch 1 the deep layers' small planes were one block: one core did the product.
        let blocksForCores = (Parallel.coreCount + batch - 1) / batch
        if blocksForCores > 1 && outChannels * area * channels >= MatrixThreads.grain {
            blockWidth = min(blockWidth, max(16, (area + blocksForCores - 1) / blocksForCores + 15) & ~15)
        }
        let blocksPerImage = (area + blockWidth - 1) / blockWidth
        let work = UncheckedSendable((x, out))
        Parallel.forEach(batch * blocksPerImage) { task in
            let (x, out) = work.value
            let n = task / blocksPerImage, start = task % blocksPerImage * blockWidth, width = min(blockWidth, area - start)
            let target = out + n * outChannels * area + start
            gemm(transposeA: false, transposeB: false, m: outChannels, n: width, k: channels, a: w, lda: channels,
                 b: x + n * channels * area + start, ldb: area, c: target, ldc: area, parts: 1)
            guard !epilogue.isIdentity else { return }
            for o in 0..<outChannels { epilogue.apply(to: target + o * area, count: width, channel: o) }
        }
    }

    // MARK: Batched columns (groups == 1): columns [K, N·area], outputs [O, N·area].

    /// Unfolds every image of the batch side by side (a pointwise convolution copies).
    private func batchColumns(_ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let g = geometry, width = batch * g.outputArea
        // One image per task: a single parallel dispatch per layer (images write disjoint columns).
        Parallel.forEach(batch) { n in
            let image = x + n * g.channels * g.imageArea
            if g.isPointwise {
                for c in 0..<g.channels { (columns + c * width + n * g.outputArea).update(from: image + c * g.imageArea, count: g.outputArea) }
            } else {
                g.imageToColumns(image, columns + n * g.outputArea, rowStride: width, parallel: false)
            }
        }
    }

    /// Moves N×O×area (`batchMajor`) to O×N·area, or back.
    private func transposeBatch(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, toChannelMajor: Bool) {
        let area = geometry.outputArea
        Parallel.forEach(batch) { n in
            for o in 0..<outChannels {
                let batchMajor = (n * outChannels + o) * area, channelMajor = (o * batch + n) * area
                if toChannelMajor {
                    (target + channelMajor).update(from: source + batchMajor, count: area)
                } else {
                    (target + batchMajor).update(from: source + channelMajor, count: area)
                }
            }
        }
    }

    private func batchedForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                keeping kept: UnsafeMutablePointer<Float>?) {
        let g = geometry, width = batch * g.outputArea
        withScratch(count: kept == nil ? g.columnRows * width : 0) { scratch in
            let columns = kept ?? scratch
            batchColumns(x, columns)
            withScratch(count: outChannels * width) { product in
                gemm(transposeA: false, transposeB: false, m: outChannels, n: width, k: g.columnRows,
                     a: w, lda: g.columnRows, b: columns, ldb: width, c: product, ldc: width)
                transposeBatch(product, out, toChannelMajor: false)
            }
        }
    }

    private func batchedInputGradient(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let g = geometry, width = batch * g.outputArea
        withScratch(count: outChannels * width) { gradient in
            transposeBatch(dy, gradient, toChannelMajor: true)
            withScratch(count: g.columnRows * width) { columns in
                gemm(transposeA: true, transposeB: false, m: g.columnRows, n: width, k: outChannels,
                     a: w, lda: g.columnRows, b: gradient, ldb: width, c: columns, ldc: width)
                Parallel.forEach(batch) { n in
                    let image = dx + n * g.channels * g.imageArea
                    if g.isPointwise {
                        for c in 0..<g.channels { (image + c * g.imageArea).update(from: columns + c * width + n * g.outputArea, count: g.outputArea) }
                    } else {
                        g.columnsToImage(columns + n * g.outputArea, image, rowStride: width, parallel: false, replacing: true)
                    }
                }
            }
        }
    }

    private func batchedWeightGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        withScratch(count: geometry.columnRows * batch * geometry.outputArea) { columns in
            batchColumns(x, columns)
            columnsWeightGradient(dy, columns: UnsafePointer(columns), dw)
        }
    }

    /// dW = dy · columnsᵀ from the batch's column matrix.
    private func columnsWeightGradient(_ dy: UnsafePointer<Float>, columns: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let g = geometry, width = batch * g.outputArea
        withScratch(count: outChannels * width) { gradient in
            transposeBatch(dy, gradient, toChannelMajor: true)
            gemm(transposeA: false, transposeB: true, m: outChannels, n: g.columnRows, k: width,
                 a: gradient, lda: width, b: columns, ldb: width, c: dw, ldc: g.columnRows)
        }
    }

    // MARK: Depthwise (one filter per channel): direct loops, parallel over planes.

    /// Each plane is first copied, zero-padded, into `stride` column phases (phase p holds
    /// padded columns p, p + stride, …), so that every tap of every output row reads
    /// contiguous memory; sixteen outputs at a time (then eight) gather all k² taps in
    /// registers and are stored once, bias and activation applied. Per output the taps are summed in the order the
    /// plane-at-a-time definition sums them.
    private func depthwiseForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                  epilogue: ConvolutionEpilogue) {
        let g = geometry, layout = DepthwiseLayout(g)
        let target = UncheckedSendable(out)
        Parallel.forChunks(of: batch * g.channels, grain: max(1, 8192 / max(g.outputArea, 1))) { planes in
            withScratch(count: layout.count) { phases in
                layout.taps.withUnsafeBufferPointer { taps in
                    for plane in planes {
                        let c = plane % g.channels
                        fillPhases(of: x + plane * g.imageArea, into: phases, rows: layout.paddedRows, width: layout.phaseWidth)
                        let output = target.value + plane * g.outputArea, filter = w + c * g.kernelArea
                        for oy in 0..<g.outputHeight {
                            let row = output + oy * g.outputWidth, start = phases + oy * layout.rowStep
                            var first = 0
                            // Two vectors at a time share each tap's weight.
                            while first + 16 <= g.outputWidth {
                                var (low, high) = (SIMD8<Float>(), SIMD8<Float>())
                                for tap in 0..<taps.count {
                                    let source = start + taps[tap] + first, weight = filter[tap]
                                    low += weight * SIMD8<Float>.load(source)
                                    high += weight * SIMD8<Float>.load(source + 8)
                                }
                                epilogue(low, channel: c).store(row + first)
                                epilogue(high, channel: c).store(row + first + 8)
                                first += 16
                            }
                            while first < g.outputWidth {
                                var sum = SIMD8<Float>()
                                for tap in 0..<taps.count { sum += filter[tap] * SIMD8<Float>.load(start + taps[tap] + first) }
                                let values = epilogue(sum, channel: c)
                                if first + 8 <= g.outputWidth {
                                    values.store(row + first)
                                } else {
                                    for lane in 0..<(g.outputWidth - first) { row[first + lane] = values[lane] }
                                }
                                first += 8
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies one input plane, zero-padded, into `stride` phase planes of `rows` × `width`:
    /// phase p's column j is padded column j·stride + p. Only the padding is cleared.
    private func fillPhases(of input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let g = geometry, stride = g.stride
        for phase in 0..<stride {
            let (first, end) = phaseColumnsInside(phase, width: width)
            for paddedRow in 0..<rows {
                let row = phases + phase * rows * width + paddedRow * width
                let iy = paddedRow - g.padding.top
                guard iy >= 0 && iy < g.height else {
                    row.update(repeating: 0, count: width)
                    continue
                }
                row.update(repeating: 0, count: first)
                (row + end).update(repeating: 0, count: width - end)
                let source = input + iy * g.width + first * stride + phase - g.padding.left
                if stride == 1 {
                    (row + first).update(from: source, count: end - first)
                } else {
                    for j in 0..<(end - first) { row[first + j] = source[j * stride] }
                }
            }
        }
    }

    /// The columns `first..<end` of a phase `width` wide that hold image pixels: padded column
    /// j·stride + phase is input column j·stride + phase − left.
    private func phaseColumnsInside(_ phase: Int, width: Int) -> (first: Int, end: Int) {
        let g = geometry, stride = g.stride
        let first = min(width, max(0, (g.padding.left - phase + stride - 1) / stride))
        return (first, max(first, min(width, (g.width + g.padding.left - phase + stride - 1) / stride)))
    }

    /// The inverse of `fillPhases`: the plane's values back from its phases, the padding left
    /// out; pixels no phase holds (past the last window's reach) are 0.
    private func drainPhases(_ phases: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let g = geometry, stride = g.stride
        output.update(repeating: 0, count: g.imageArea)
        for phase in 0..<stride {
            let (first, end) = phaseColumnsInside(phase, width: width)
            for iy in 0..<g.height {
                let paddedRow = iy + g.padding.top
                guard paddedRow < rows else { break }
                let row = phases + phase * rows * width + paddedRow * width
                let target = output + iy * g.width + first * stride + phase - g.padding.left
                if stride == 1 {
                    target.update(from: row + first, count: end - first)
                } else {
                    for j in 0..<(end - first) { target[j * stride] = row[first + j] }
                }
            }
        }
    }

    /// The forward transposed: each tap's weight times a row of dy added, eight lanes at a
    /// time, into the padded phases at the place the forward reads it from, then the phases
    /// moved back into the plane (what fell in the padding dropped). Stride 1 runs as the
    /// adjoint's forward instead (`adjoint`), where one is defined.
    private func depthwiseInputGradient(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let g = geometry, layout = DepthwiseLayout(g), outputWidth = g.outputWidth
        let vectorEnd = outputWidth - outputWidth % 8
        let target = UncheckedSendable(dx)
        Parallel.forChunks(of: batch * g.channels, grain: max(1, 8192 / max(g.outputArea, 1))) { planes in
            withScratch(count: layout.count) { phases in
                for plane in planes {
                    let c = plane % g.channels
                    let gradient = dy + plane * g.outputArea, filter = w + c * g.kernelArea
                    phases.update(repeating: 0, count: layout.count)
                    for oy in 0..<g.outputHeight {
                        let row = gradient + oy * outputWidth, start = phases + oy * layout.rowStep
                        for (tap, offset) in layout.taps.enumerated() {
                            let weight = filter[tap], pixels = start + offset
                            var ox = 0
                            while ox < vectorEnd {
                                (SIMD8<Float>.load(pixels + ox) + weight * SIMD8<Float>.load(row + ox)).store(pixels + ox)
                                ox += 8
                            }
                            while ox < outputWidth {
                                pixels[ox] += weight * row[ox]
                                ox += 1
                            }
                        }
                    }
                    drainPhases(phases, into: target.value + plane * g.imageArea, rows: layout.paddedRows, width: layout.phaseWidth)
                }
            }
        }
    }

    /// Each input plane copied zero-padded into the forward's phases (`DepthwiseLayout`),
    /// then per tap one eight-lane sum over the whole plane of dy times the input the tap
    /// reads, with no bounds to test. Tap by tap over short rows, 16² planes spent their
    /// time in the loops.
    private func depthwiseWeightGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let g = geometry, layout = DepthwiseLayout(g), outputWidth = g.outputWidth
        let vectorEnd = outputWidth - outputWidth % 8
        Parallel.forChunks(of: g.channels, grain: 1) { channels in
            withScratch(count: layout.count) { phases in
                for c in channels {
                    let filter = dw + c * g.kernelArea
                    filter.update(repeating: 0, count: g.kernelArea)
                    for n in 0..<batch {
                        let plane = n * g.channels + c
                        fillPhases(of: x + plane * g.imageArea, into: phases, rows: layout.paddedRows, width: layout.phaseWidth)
                        let gradient = dy + plane * g.outputArea
                        for (tap, offset) in layout.taps.enumerated() {
                            var lanes = SIMD8<Float>()
                            var tail: Float = 0
                            for oy in 0..<g.outputHeight {
                                let row = gradient + oy * outputWidth, source = phases + oy * layout.rowStep + offset
                                var ox = 0
                                while ox < vectorEnd {
                                    lanes += SIMD8<Float>.load(row + ox) * SIMD8<Float>.load(source + ox)
                                    ox += 8
                                }
                                while ox < outputWidth {
                                    tail += row[ox] * source[ox]
                                    ox += 1
                                }
                            }
                            filter[tap] += lanes.sum() + tail
                        }
                    }
                }
            }
        }
    }

}

/// How the depthwise loops lay one zero-padded input plane out: `stride` column phases
/// (phase p holds padded columns p, p + stride, …), rows wide enough for eight-lane loads
/// past the last output, so that every tap of every output row reads contiguous memory.
/// The forward and both gradients share it.
struct DepthwiseLayout {
    let phaseWidth: Int, paddedRows: Int, phaseSize: Int
    /// Where each tap reads, relative to an output row's first padded row in phase 0.
    let taps: [Int]
    let stride: Int
    /// From one output row's start to the next's.
    var rowStep: Int { stride * phaseWidth }
    /// Floats for all phases.
    var count: Int { stride * phaseSize }

    init(_ g: ConvolutionGeometry) {
        let stride = g.stride, dilation = g.dilation, kernelWidth = g.kernelWidth
        self.stride = stride
        phaseWidth = (g.outputWidth + 7) / 8 * 8 + (kernelWidth - 1) * dilation / stride
        paddedRows = (g.outputHeight - 1) * stride + (g.kernelHeight - 1) * dilation + 1
        phaseSize = paddedRows * phaseWidth
        let (phaseWidth, phaseSize) = (phaseWidth, phaseSize)
        taps = (0..<g.kernelArea).map { tap in
            let offset = tap % kernelWidth * dilation
            return offset % stride * phaseSize + tap / kernelWidth * dilation * phaseWidth + offset / stride
        }
    }
}
