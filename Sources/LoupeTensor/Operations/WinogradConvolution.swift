/// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016) for dense 3×3, stride-1 convolutions padded by 1:
/// each 2×2 output tile costs 16 multiplies per channel pair instead of 36, so the
/// products shrink 2.25× against im2col. The input is cut into 4×4 tiles overlapping by
/// 2 and transformed (V = Bᵀ d B), the weights too (U = G g Gᵀ); for each of the 16
/// transformed positions ξ one matrix product M[ξ] = U[ξ] · V[ξ] sums over channels, and
/// Aᵀ M A gives the 2×2 outputs. The gradients run the same steps transposed.
///
/// Layouts: V is [16][C][T], U is [16][O][C], M is [16][O][T], with T = N · tiles per
/// image and tiles numbered row by row within an image.
struct WinogradKernel {
    let batch: Int, channels: Int, outChannels: Int
    let height: Int, width: Int
    let tilesY: Int, tilesX: Int

    /// The Winograd form of a convolution, when it has one and it beats im2col: 3×3,
    /// stride 1, dilation 1, padding 1 all round, dense, with enough channels on both sides
    /// for the 16 small products to stay efficient (below that the transforms cost more
    /// than the multiplies they save).
    init?(geometry g: ConvolutionGeometry, outChannels: Int, groups: Int, batch: Int) {
        guard groups == 1, g.kernelHeight == 3, g.kernelWidth == 3, g.stride == 1, g.dilation == 1, g.padding == Padding2D(1),
              min(g.channels, outChannels) >= Self.minimumChannels
        else { return nil }
        self.batch = batch
        channels = g.channels
        self.outChannels = outChannels
        height = g.height
        width = g.width
        tilesY = (g.height + 1) / 2
        tilesX = (g.width + 1) / 2
    }

    /// Fewest input and output channels for which Winograd is used. Measured forward +
    /// backward at batch 8 (`loupe-bench --only conv3x3`): 224 channels at 8² 15 → 12 ms,
    /// 112 at 16² 15 → 12 ms, 256 at 16² 62 → 39 ms, 40 at 32² even; 24 at 64² 19 → 28 ms
    /// (the transforms outweigh the products saved when channels are few).
    static let minimumChannels = 32

    var tilesPerImage: Int { tilesY * tilesX }
    /// The tiles of a tile row the transforms take eight at a time; the rest go one by one.
    var vectorTiles: Int { tilesX - tilesX % SIMD8<Float>.width }
    var tileCount: Int { batch * tilesPerImage }
    /// Values of the transformed input V, which the weight gradient reuses.
    var transformedInputCount: Int { 16 * inputStride }

    /// Distance between the 16 matrices of V (and dV), M (and dM), U (and dU). Padded past a
    /// multiple of 4 KiB: the transforms write all 16 at once, and at power-of-two distances
    /// those writes fell into the same cache sets and ran at a third of the speed.
    var inputStride: Int { Self.padded(channels * tileCount) }
    var outputStride: Int { Self.padded(outChannels * tileCount) }
    var weightStride: Int { Self.padded(outChannels * channels) }
    private static func padded(_ count: Int) -> Int { (count + 15) / 16 * 16 + 16 }

    // MARK: The three passes

    /// out = conv(x, w); V is left in `kept` (`transformedInputCount` values) when given.
    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                 keeping kept: UnsafeMutablePointer<Float>? = nil) {
        withScratch(count: kept == nil ? transformedInputCount : 0) { scratch in
            let v = kept ?? scratch
            transformInput(x, into: v)
            withScratch(count: 16 * weightStride) { u in
                transformWeights(w, into: u)
                withScratch(count: 16 * outputStride) { m in
                    gemmBatch(count: 16, transposeA: false, transposeB: false, m: outChannels, n: tileCount, k: channels,
                              a: u, strideA: weightStride, lda: channels,
                              b: v, strideB: inputStride, ldb: tileCount,
                              c: m, strideC: outputStride, ldc: tileCount)
                    transformOutput(m, into: out)
                }
            }
        }
    }

    /// Either or both gradients for output gradient dy, from one transform of it (dM = A dy Aᵀ):
    /// dx = B (Uᵀ · dM) Bᵀ with tiles overlap-added, dw = Gᵀ (dM · Vᵀ) G with V the
    /// transform of the input `x`, or V itself when `forward` kept it.
    func gradients(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>?, input x: UnsafePointer<Float>?, kept: UnsafePointer<Float>?,
                   dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        withScratch(count: 16 * outputStride) { dm in
            transformOutputGradient(dy, into: dm)
            if let dx, let w {
                withScratch(count: 16 * weightStride) { u in
                    transformWeights(w, into: u)
                    withScratch(count: transformedInputCount) { dv in
                        gemmBatch(count: 16, transposeA: true, transposeB: false, m: channels, n: tileCount, k: outChannels,
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
                withScratch(count: 16 * weightStride) { du in
                    gemmBatch(count: 16, transposeA: false, transposeB: true, m: outChannels, n: channels, k: tileCount,
                              a: dm, strideA: outputStride, lda: tileCount,
                              b: v, strideB: inputStride, ldb: tileCount,
                              c: du, strideC: weightStride, ldc: channels)
                    transformWeightGradient(du, into: dw)
                }
            }
        }
    }

    // MARK: Transforms

    /// Runs `body(plane, image, channel, scratch)` for every H×W plane of a batch with
    /// `channels` channels, spread over the cores, each worker with `scratchCount` floats.
    private func forEachPlane(channels: Int, scratch scratchCount: Int,
                              _ body: (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forChunks(of: batch * channels, grain: max(1, 2048 / max(height * width, 1))) { planes in
            withScratch(count: scratchCount) { scratch in
                for plane in planes { body(plane, plane / channels, plane % channels, scratch) }
            }
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for every 4×4 input tile d (rows 2ty−1…2ty+2, zero outside).
    func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let span = 2 * tilesX + 2, planeStride = inputStride
        forEachPlane(channels: channels, scratch: 8 * span) { plane, n, c, rows in
            let r0 = rows, r1 = rows + span, r2 = rows + 2 * span, r3 = rows + 3 * span
            let s0 = rows + 4 * span, s1 = rows + 5 * span, s2 = rows + 6 * span, s3 = rows + 7 * span
            let image = x + plane * height * width
            for ty in 0..<tilesY {
                // Four input rows, each padded: index j holds column j − 1.
                for i in 0..<4 {
                    let r = rows + i * span, y = 2 * ty - 1 + i
                    r.update(repeating: 0, count: span)
                    if y >= 0 && y < height { (r + 1).update(from: image + y * width, count: width) }
                }
                // Bᵀ down the rows, then across within each tile.
                for j in 0..<span {
                    s0[j] = r0[j] - r2[j]
                    s1[j] = r1[j] + r2[j]
                    s2[j] = r2[j] - r1[j]
                    s3[j] = r1[j] - r3[j]
                }
                let tile = n * tilesPerImage + ty * tilesX
                for i in 0..<4 {
                    let row = s0 + i * span
                    let t0 = v + (4 * i) * planeStride + c * tileCount + tile
                    let t1 = t0 + planeStride, t2 = t1 + planeStride, t3 = t2 + planeStride
                    Self.inputTiles(SIMD8<Float>.self, 0..<vectorTiles, row, t0, t1, t2, t3)
                    Self.inputTiles(Float.self, vectorTiles..<tilesX, row, t0, t1, t2, t3)
                }
            }
        }
    }

    /// U[ξ][o][c] = (G g Gᵀ)[ξ] for every 3×3 filter g.
    func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * channels, q = weightStride
        Parallel.forChunks(of: pairs, grain: 4096) { range in
            for pair in range {
                let g = w + pair * 9
                // G down the columns (4×3), then across each row.
                for i in 0..<4 {
                    let g0: Float, g1: Float, g2: Float
                    switch i {
                    case 0: (g0, g1, g2) = (g[0], g[1], g[2])
                    case 1: (g0, g1, g2) = (0.5 * (g[0] + g[3] + g[6]), 0.5 * (g[1] + g[4] + g[7]), 0.5 * (g[2] + g[5] + g[8]))
                    case 2: (g0, g1, g2) = (0.5 * (g[0] - g[3] + g[6]), 0.5 * (g[1] - g[4] + g[7]), 0.5 * (g[2] - g[5] + g[8]))
                    default: (g0, g1, g2) = (g[6], g[7], g[8])
                    }
                    u[(4 * i) * q + pair] = g0
                    u[(4 * i + 1) * q + pair] = 0.5 * (g0 + g1 + g2)
                    u[(4 * i + 2) * q + pair] = 0.5 * (g0 - g1 + g2)
                    u[(4 * i + 3) * q + pair] = g2
                }
            }
        }
    }

    /// out[n][o] tile = Aᵀ m A for every tile's 4×4 product m; outputs past the image dropped.
    func transformOutput(_ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let planeStride = outputStride, span = 2 * tilesX
        forEachPlane(channels: outChannels, scratch: 2 * span) { plane, n, o, rows in
            let image = out + plane * height * width
            for ty in 0..<tilesY {
                let tile = n * tilesPerImage + ty * tilesX
                let p = m + o * tileCount + tile, q = planeStride
                Self.outputTiles(SIMD8<Float>.self, 0..<vectorTiles, p, q, rows, span)
                Self.outputTiles(Float.self, vectorTiles..<tilesX, p, q, rows, span)
                let y = 2 * ty
                (image + y * width).update(from: rows, count: width)
                if y + 1 < height { (image + (y + 1) * width).update(from: rows + span, count: width) }
            }
        }
    }

    /// dM[ξ][o][t] = (A dy Aᵀ)[ξ] for every 2×2 tile of the output gradient (zero past the image).
    func transformOutputGradient(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        let planeStride = outputStride, span = 2 * tilesX
        forEachPlane(channels: outChannels, scratch: 2 * span) { plane, n, o, rows in
            let image = dy + plane * height * width
            for ty in 0..<tilesY {
                let y = 2 * ty
                rows.update(repeating: 0, count: 2 * span)
                rows.update(from: image + y * width, count: width)
                if y + 1 < height { (rows + span).update(from: image + (y + 1) * width, count: width) }
                let tile = n * tilesPerImage + ty * tilesX
                let p = dm + o * tileCount + tile, q = planeStride
                Self.outputGradientTiles(SIMD8<Float>.self, 0..<vectorTiles, rows, span, p, q)
                Self.outputGradientTiles(Float.self, vectorTiles..<tilesX, rows, span, p, q)
            }
        }
    }

    /// dx = Σ over tiles of B dV Bᵀ, each 4×4 added back where its input tile was read.
    func transformInputGradient(_ dv: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let planeStride = inputStride, span = 2 * tilesX + 2, paddedRows = 2 * tilesY + 2
        forEachPlane(channels: channels, scratch: paddedRows * span) { plane, n, c, padded in
            padded.update(repeating: 0, count: paddedRows * span)
            for ty in 0..<tilesY {
                let tile = n * tilesPerImage + ty * tilesX
                let p = dv + c * tileCount + tile, q = planeStride
                let top = padded + 2 * ty * span
                Self.inputGradientTiles(SIMD8<Float>.self, 0..<vectorTiles, p, q, top, span)
                Self.inputGradientTiles(Float.self, vectorTiles..<tilesX, p, q, top, span)
            }
            // Padded row y + 1, column x + 1 is input pixel (y, x).
            let image = dx + plane * height * width
            for y in 0..<height { (image + y * width).update(from: padded + (y + 1) * span + 1, count: width) }
        }
    }

    // MARK: A row of tiles, `Lanes.width` tiles at a time

    /// V for tiles `range` of one tile row: Bᵀ was applied down the rows into `row`
    /// (padded: index j is column j − 1); across each tile: (a − c, b + c, c − b, b − d).
    private static func inputTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ row: UnsafePointer<Float>,
                                                     _ t0: UnsafeMutablePointer<Float>, _ t1: UnsafeMutablePointer<Float>,
                                                     _ t2: UnsafeMutablePointer<Float>, _ t3: UnsafeMutablePointer<Float>) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            let a = Lanes.even(row + 2 * tx), b = Lanes.odd(row + 2 * tx)
            let c = Lanes.even(row + 2 * tx + 2), d = Lanes.odd(row + 2 * tx + 2)
            (a - c).store(t0 + tx)
            (b + c).store(t1 + tx)
            (c - b).store(t2 + tx)
            (b - d).store(t3 + tx)
        }
    }

    /// Aᵀ m A for tiles `range` of one tile row (p[ξ · q + tx] is m[ξ]), into two output rows
    /// `span` apart.
    private static func outputTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ p: UnsafePointer<Float>, _ q: Int,
                                                      _ rows: UnsafeMutablePointer<Float>, _ span: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            func m(_ index: Int) -> Lanes { Lanes.load(p + index * q + tx) }
            // Aᵀ down the rows (t0, t1 per column), then across.
            let t00 = m(0) + m(4) + m(8), t10 = m(4) - m(8) - m(12)
            let t01 = m(1) + m(5) + m(9), t11 = m(5) - m(9) - m(13)
            let t02 = m(2) + m(6) + m(10), t12 = m(6) - m(10) - m(14)
            let t03 = m(3) + m(7) + m(11), t13 = m(7) - m(11) - m(15)
            Lanes.storeInterleaved(t00 + t01 + t02, t01 - t02 - t03, rows + 2 * tx)
            Lanes.storeInterleaved(t10 + t11 + t12, t11 - t12 - t13, rows + span + 2 * tx)
        }
    }

    /// A dy Aᵀ for tiles `range` of one tile row, from two gradient rows `span` apart.
    private static func outputGradientTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ rows: UnsafePointer<Float>,
                                                              _ span: Int, _ p: UnsafeMutablePointer<Float>, _ q: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            let a = Lanes.even(rows + 2 * tx), b = Lanes.odd(rows + 2 * tx)
            let c = Lanes.even(rows + span + 2 * tx), d = Lanes.odd(rows + span + 2 * tx)
            func put(_ index: Int, _ value: Lanes) { value.store(p + index * q + tx) }
            // A down the rows: (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); then across
            // each: (e, f) → (e, e + f, e − f, −f).
            put(0, a); put(1, a + b); put(2, a - b); put(3, -b)
            let e1 = a + c, f1 = b + d
            put(4, e1); put(5, e1 + f1); put(6, e1 - f1); put(7, -f1)
            let e2 = a - c, f2 = b - d
            put(8, e2); put(9, e2 + f2); put(10, e2 - f2); put(11, -f2)
            put(12, -c); put(13, -c - d); put(14, -c + d); put(15, d)
        }
    }

    /// B dV Bᵀ for tiles `range` of one tile row (p[ξ · q + tx] is dV[ξ]), added into four
    /// padded rows from `top`. Neighbouring tiles overlap by two columns; each block adds
    /// its right halves before its left halves, so every pixel sums its tiles in the same
    /// order one tile at a time would (left tile first).
    private static func inputGradientTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ p: UnsafePointer<Float>, _ q: Int,
                                                             _ top: UnsafeMutablePointer<Float>, _ span: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            // B across each row of dV, B v = (v0, v1 − v2 + v3, −v0 + v1 + v2, −v3); then down.
            func across(_ i: Int) -> (Lanes, Lanes, Lanes, Lanes) {
                let v0 = Lanes.load(p + 4 * i * q + tx), v1 = Lanes.load(p + (4 * i + 1) * q + tx)
                let v2 = Lanes.load(p + (4 * i + 2) * q + tx), v3 = Lanes.load(p + (4 * i + 3) * q + tx)
                return (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3)
            }
            let h0 = across(0), h1 = across(1), h2 = across(2), h3 = across(3)
            func down(_ a: Lanes, _ b: Lanes, _ c: Lanes, _ d: Lanes) -> (Lanes, Lanes, Lanes, Lanes) {
                (a, b - c + d, -a + b + c, -d)
            }
            let c0 = down(h0.0, h1.0, h2.0, h3.0), c1 = down(h0.1, h1.1, h2.1, h3.1)
            let c2 = down(h0.2, h1.2, h2.2, h3.2), c3 = down(h0.3, h1.3, h2.3, h3.3)
            let columns = top + 2 * tx
            Lanes.addInterleaved(c2.0, c3.0, columns + 2)
            Lanes.addInterleaved(c2.1, c3.1, columns + span + 2)
            Lanes.addInterleaved(c2.2, c3.2, columns + 2 * span + 2)
            Lanes.addInterleaved(c2.3, c3.3, columns + 3 * span + 2)
            Lanes.addInterleaved(c0.0, c1.0, columns)
            Lanes.addInterleaved(c0.1, c1.1, columns + span)
            Lanes.addInterleaved(c0.2, c1.2, columns + 2 * span)
            Lanes.addInterleaved(c0.3, c1.3, columns + 3 * span)
        }
    }

    /// dw[o][c] = Gᵀ dU G for every filter's 4×4 gradient dU.
    func transformWeightGradient(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * channels, q = weightStride
        Parallel.forChunks(of: pairs, grain: 4096) { range in
            for pair in range {
                // Gᵀ = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]], down the columns then across.
                func down(_ j: Int) -> (Float, Float, Float) {
                    let d0 = du[j * q + pair], d1 = du[(4 + j) * q + pair]
                    let d2 = du[(8 + j) * q + pair], d3 = du[(12 + j) * q + pair]
                    return (d0 + 0.5 * (d1 + d2), 0.5 * (d1 - d2), 0.5 * (d1 + d2) + d3)
                }
                let c0 = down(0), c1 = down(1), c2 = down(2), c3 = down(3)
                let g = dw + pair * 9
                func across(_ i: Int, _ d0: Float, _ d1: Float, _ d2: Float, _ d3: Float) {
                    g[3 * i] = d0 + 0.5 * (d1 + d2)
                    g[3 * i + 1] = 0.5 * (d1 - d2)
                    g[3 * i + 2] = 0.5 * (d1 + d2) + d3
                }
                across(0, c0.0, c1.0, c2.0, c3.0)
                across(1, c0.1, c1.1, c2.1, c3.1)
                across(2, c0.2, c1.2, c2.2, c3.2)
            }
        }
    }
}

/// What the Winograd transforms compute with: one tile (`Float`) or eight neighbouring
/// tiles in SIMD registers. The same expressions run on both, so the vector and scalar
/// paths give identical bits.
protocol TileLanes {
    static var width: Int { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self
    /// `width` consecutive values.
    static func load(_ source: UnsafePointer<Float>) -> Self
    /// source[0], source[2], …: the values at even offsets of 2 · `width`.
    static func even(_ source: UnsafePointer<Float>) -> Self
    /// source[1], source[3], …
    static func odd(_ source: UnsafePointer<Float>) -> Self
    func store(_ target: UnsafeMutablePointer<Float>)
    /// target[2k] = even[k], target[2k + 1] = odd[k].
    static func storeInterleaved(_ even: Self, _ odd: Self, _ target: UnsafeMutablePointer<Float>)
    /// target[2k] += even[k], target[2k + 1] += odd[k].
    static func addInterleaved(_ even: Self, _ odd: Self, _ target: UnsafeMutablePointer<Float>)
}

extension Float: TileLanes {
    static var width: Int { 1 }
    static func load(_ source: UnsafePointer<Float>) -> Float { source[0] }
    static func even(_ source: UnsafePointer<Float>) -> Float { source[0] }
    static func odd(_ source: UnsafePointer<Float>) -> Float { source[1] }
    func store(_ target: UnsafeMutablePointer<Float>) { target[0] = self }
    static func storeInterleaved(_ even: Float, _ odd: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] = even
        target[1] = odd
    }
    static func addInterleaved(_ even: Float, _ odd: Float, _ target: UnsafeMutablePointer<Float>) {
        target[0] += even
        target[1] += odd
    }
}

extension SIMD8: TileLanes where Scalar == Float {
    static var width: Int { 8 }
    static func load(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self)
    }
    static func even(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
    static func odd(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self).oddHalf
    }
    func store(_ target: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(target).storeBytes(of: self, as: SIMD8<Float>.self)
    }
    static func storeInterleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>) {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        UnsafeMutableRawPointer(target).storeBytes(of: pair, as: SIMD16<Float>.self)
    }
    static func addInterleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>) {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        let raw = UnsafeMutableRawPointer(target)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + pair, as: SIMD16<Float>.self)
    }
}
