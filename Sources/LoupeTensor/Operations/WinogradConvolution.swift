/// Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for Convolutional Neural
/// Networks", 2016) for dense 3×3, stride-1 convolutions padded by 1. F(m×m, 3×3) cuts the
/// input into (m+2)×(m+2) tiles overlapping by 2 and transforms them (V = Bᵀ d B), the
/// weights too (U = G g Gᵀ); for each of the (m+2)² transformed positions ξ one matrix
/// product M[ξ] = U[ξ] · V[ξ] sums over channels, and Aᵀ M A gives the m×m outputs. The
/// gradients run the same steps transposed. Per output and channel pair that is 4
/// multiplies for F(2×2, 3×3) and 2.25 for F(4×4, 3×3), against im2col's 9.
///
/// Layouts: V is [ξ][C][T], U is [ξ][O][C], M is [ξ][O][T], with T = N · tiles per image
/// and tiles numbered row by row within an image. The transforms of each tile size are in
/// WinogradF2x2.swift and WinogradF4x4.swift.
struct WinogradKernel {
    let batch: Int, channels: Int, outChannels: Int
    let height: Int, width: Int
    /// Most filters (output × input channels) for which the weight gradient's products go
    /// through the packing-free dot kernel rather than OpenBLAS: it re-reads both matrices
    /// from L2 for every 4×6 block of filters, which pays while they are few. One product,
    /// one core (a C harness timing both, best of 30): 24 channels over 2,048 tiles 40 → 31 µs,
    /// 40 over 512 22 → 17, but 64 over 2,048 168 → 220 and 224 over 128 98 → 204.
    static let dotsProductLimit = 48 * 48
    /// Fewest tiles (the sums' length) for the dot kernel: its lanes are added up once per
    /// filter, which short sums do not repay (40 over 64 tiles: 3.5 → 4.9 µs).
    static let dotsProductShortestSum = 256

    /// Side m of the output tile: 2 or 4.
    let outputTile: Int
    let tilesY: Int, tilesX: Int

    /// The Winograd form of a convolution, when it has one and it beats im2col: 3×3,
    /// stride 1, dilation 1, padding 1 all round, dense, with enough channels on both sides
    /// for the small products to stay efficient (below that the transforms cost more than
    /// the multiplies they save).
    init?(geometry g: ConvolutionGeometry, outChannels: Int, groups: Int, batch: Int) {
        guard groups == 1, g.kernelHeight == 3, g.kernelWidth == 3, g.stride == 1, g.dilation == 1, g.padding == Padding2D(1),
              min(g.channels, outChannels) >= Self.minimumChannels
        else { return nil }
        self.batch = batch
        channels = g.channels
        self.outChannels = outChannels
        height = g.height
        width = g.width
        outputTile = Self.outputTile(channels: g.channels, outChannels: outChannels, batch: batch, height: g.height, width: g.width)
        tilesY = (g.height + outputTile - 1) / outputTile
        tilesX = (g.width + outputTile - 1) / outputTile
    }

    /// Fewest input and output channels for which Winograd is used: below that the
    /// transforms cost more than the multiplies they save. Measured forward + backward at
    /// batch 8 (`loupe-bench --only conv3x3`, noisy machine): 24 channels at 64² ~18 → ~11–15 ms with
    /// F(4×4, 3×3) (F(2×2, 3×3): ~15 ms); im2col → F(2×2) 15 → 12 ms on 112 at 16² and 224 at 8².
    /// At 16 the ROI segmenter's decoder (16 channels at 256², 32 → 16 at 128²) still gains:
    /// its training step 1,201–1,514 → 986–1,193 ms, its scoring pass 42–45 → 35–39 ms.
    static let minimumChannels = 16

    /// F(4×4, 3×3) where its products are clearly fewer (under three quarters of F(2×2)'s)
    /// and the weights do not outweigh the activations by more than 32×; F(2×2, 3×3)
    /// otherwise. F(4×4) also needs fewer input and output transforms per output, but its 36
    /// positions make the weight transforms (every training step) and the transformed
    /// weights (kept while they stay unchanged) 2.25× those of F(2×2)'s 16. Measured
    /// (`loupe-bench --only conv3x3 --batch 1|8`, both tiles, background paused), the ratio
    /// C·O / (N·H·W) parts them: F(4×4) wins at 6 (112 channels at 16², batch 8: 5.7 / 5.4 →
    /// 4.6 / 5.3 ms forward + backward), 16 (128 at 32², batch 1) and 32 (256 at 16², batch
    /// 8: 20.1 → 12.4 ms); it loses at 64 (128 at 16², batch 1) and 98 (RD's 224 at 8²,
    /// batch 8: 5.5 / 5.3 → 6.2 / 6.2 ms) and ties at 128. On images that are not a multiple
    /// of 4 its tiles hang over the edge (at 6², the same 144 multiplies per channel pair as
    /// F(2×2)'s, in thinner products).
    static func outputTile(channels: Int, outChannels: Int, batch: Int, height: Int, width: Int) -> Int {
        func products(_ m: Int) -> Int { (m + 2) * (m + 2) * ((height + m - 1) / m) * ((width + m - 1) / m) }
        let weightsWithinBound = channels * outChannels <= 32 * batch * height * width
        return weightsWithinBound && 4 * products(4) < 3 * products(2) ? 4 : 2
    }

    /// The (m+2)² transformed positions ξ, one matrix product each.
    var positions: Int { (outputTile + 2) * (outputTile + 2) }
    var tilesPerImage: Int { tilesY * tilesX }
    /// The tiles of a tile row the transforms take eight at a time; the rest go one by one.
    var vectorTiles: Int { tilesX - tilesX % SIMD8<Float>.width }
    var tileCount: Int { batch * tilesPerImage }
    /// Values of the transformed input V, which the weight gradient reuses.
    var transformedInputCount: Int { positions * inputStride }
    /// Values of the transformed weights U, which the input gradient reuses.
    var transformedWeightCount: Int { positions * weightStride }
    /// What `forward` keeps for the backward pass: V, then U.
    var keptCount: Int { transformedInputCount + transformedWeightCount }

    /// Distance between the matrices of V (and dV), M (and dM), U (and dU). Padded past a
    /// multiple of 4 KiB: the transforms write all positions at once, and at power-of-two
    /// distances those writes fell into the same cache sets and ran at a third of the speed.
    var inputStride: Int { Self.padded(channels * tileCount) }
    var outputStride: Int { Self.padded(outChannels * tileCount) }
    var weightStride: Int { Self.padded(outChannels * channels) }
    private static func padded(_ count: Int) -> Int { (count + 15) / 16 * 16 + 16 }

    // MARK: The three passes

    /// out = conv(x, w); V and U are left in `kept` (`keptCount` values) when given.
    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                 keeping kept: UnsafeMutablePointer<Float>? = nil) {
        withScratch(count: kept == nil ? keptCount : 0) { scratch in
            let v = kept ?? scratch, u = v + transformedInputCount
            transformInput(x, into: v)
            transformWeights(w, into: u)
            multiply(transformedInput: v, transformedWeights: u, into: out)
        }
    }

    /// out = conv(x, w) from U, w's transform computed earlier (`transformWeights`).
    func forward(_ x: UnsafePointer<Float>, transformedWeights u: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        withScratch(count: transformedInputCount) { v in
            transformInput(x, into: v)
            multiply(transformedInput: v, transformedWeights: u, into: out)
        }
    }

    /// M[ξ] = U[ξ] · V[ξ], then out = Aᵀ M A.
    private func multiply(transformedInput v: UnsafePointer<Float>, transformedWeights u: UnsafePointer<Float>,
                          into out: UnsafeMutablePointer<Float>) {
        withScratch(count: positions * outputStride) { m in
            gemmBatch(count: positions, transposeA: false, transposeB: false, m: outChannels, n: tileCount, k: channels,
                      a: u, strideA: weightStride, lda: channels,
                      b: v, strideB: inputStride, ldb: tileCount,
                      c: m, strideC: outputStride, ldc: tileCount)
            transformOutput(m, into: out)
        }
    }

    /// Either or both gradients for output gradient dy, from one transform of it (dM = A dy Aᵀ):
    /// dx = B (Uᵀ · dM) Bᵀ with tiles overlap-added, dw = Gᵀ (dM · Vᵀ) G, with V and U
    /// the transforms of the input `x` and the weights `w`, or those `forward` kept.
    func gradients(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>?, input x: UnsafePointer<Float>?, kept: UnsafePointer<Float>?,
                   dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        withScratch(count: positions * outputStride) { dm in
            transformOutputGradient(dy, into: dm)
            if let dx {
                withScratch(count: kept == nil ? transformedWeightCount : 0) { scratch in
                    let u: UnsafePointer<Float>
                    if let kept { u = kept + transformedInputCount } else {
                        guard let w else { return invariant(false, "winograd input gradient: needs the weights or their transform") }
                        transformWeights(w, into: scratch)
                        u = UnsafePointer(scratch)
                    }
                    withScratch(count: transformedInputCount) { dv in
                        gemmBatch(count: positions, transposeA: true, transposeB: false, m: channels, n: tileCount, k: outChannels,
                                  a: u, strideA: weightStride, lda: channels,
                                  b: dm, strideB: outputStride, ldb: tileCount,
                                  c: dv, strideC: inputStride, ldc: tileCount)
                        transformInputGradient(dv, into: dx)
                    }
                }
            }
            guard let dw else { return }
            withScratch(count: kept == nil ? transformedInputCount : 0) { scratch in
                let v: UnsafePointer<Float>
                if let kept { v = kept } else {
                    guard let x else { return invariant(false, "winograd weight gradient: needs the input or its transform") }
                    transformInput(x, into: scratch)
                    v = UnsafePointer(scratch)
                }
                withScratch(count: transformedWeightCount) { du in
                    if outChannels * channels <= Self.dotsProductLimit && tileCount >= Self.dotsProductShortestSum {
                        dotsProductBatch(count: positions, m: outChannels, n: channels, k: tileCount,
                                         a: dm, strideA: outputStride, lda: tileCount,
                                         b: v, strideB: inputStride, ldb: tileCount,
                                         c: du, strideC: weightStride, ldc: channels)
                    } else {
                        gemmBatch(count: positions, transposeA: false, transposeB: true, m: outChannels, n: channels, k: tileCount,
                                  a: dm, strideA: outputStride, lda: tileCount,
                                  b: v, strideB: inputStride, ldb: tileCount,
                                  c: du, strideC: weightStride, ldc: channels)
                    }
                    transformWeightGradient(du, into: dw)
                }
            }
        }
    }

    // MARK: Transforms

    func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformInputF4x4(x, into: v) : transformInputF2x2(x, into: v)
    }
    func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformWeightsF4x4(w, into: u) : transformWeightsF2x2(w, into: u)
    }
    func transformOutput(_ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformOutputF4x4(m, into: out) : transformOutputF2x2(m, into: out)
    }
    func transformOutputGradient(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformOutputGradientF4x4(dy, into: dm) : transformOutputGradientF2x2(dy, into: dm)
    }
    func transformInputGradient(_ dv: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformInputGradientF4x4(dv, into: dx) : transformInputGradientF2x2(dv, into: dx)
    }
    func transformWeightGradient(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        outputTile == 4 ? transformWeightGradientF4x4(du, into: dw) : transformWeightGradientF2x2(du, into: dw)
    }

    /// Runs `body(plane, image, channel, scratch)` for every H×W plane of a batch with
    /// `channels` channels, spread over the cores, each worker with `scratchCount` floats.
    /// Sixteen chunks a core: with two, one core waited ~20 % of these loops' time for the
    /// other (measured in RD training); claimed one by one, the waits mostly vanish.
    func forEachPlane(channels: Int, scratch scratchCount: Int,
                      _ body: (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forChunks(of: batch * channels, grain: max(1, 2048 / max(height * width, 1)), chunksPerCore: 16) { planes in
            withScratch(count: scratchCount) { scratch in
                for plane in planes { body(plane, plane / channels, plane % channels, scratch) }
            }
        }
    }

}
