/// The transforms of F(4×4, 3×3): 6×6 input tiles overlapping by 2, 36 positions, 4×4
/// outputs, with Lavin & Gray's interpolation points 0, ±1, ±2. Its rounding error is
/// about ten times the direct sum's, on the scale of the whole output rather than of each
/// value (the transforms mix values up to 8× apart): ~1e-5 of the output's RMS.
extension WinogradKernel {
    /// Padded row length for one tile row: the vector loads read 32 values from any tile.
    private var rowSpan: Int { (4 * tilesX + 8 + 7) / 8 * 8 }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for every 6×6 input tile d (rows 4ty−1…4ty+4, zero outside).
    func transformInputF4x4(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let span = rowSpan, q = inputStride
        forEachPlane(channels: channels, scratch: 12 * span) { plane, n, c, rows in
            let image = x + plane * height * width, down = rows + 6 * span
            for ty in 0..<tilesY {
                // Six input rows, each padded: index j holds column j − 1.
                for i in 0..<6 {
                    let row = rows + i * span, y = 4 * ty - 1 + i
                    row.update(repeating: 0, count: span)
                    if y >= 0 && y < height { (row + 1).update(from: image + y * width, count: width) }
                }
                // Bᵀ down the rows, then across within each tile.
                for j in stride(from: 0, to: span, by: SIMD8<Float>.width) {
                    @inline(__always) func d(_ i: Int) -> SIMD8<Float> { SIMD8.load(rows + i * span + j) }
                    Self.store(Self.inputTransform(d(0), d(1), d(2), d(3), d(4), d(5)), down + j, span)
                }
                let tile = n * tilesPerImage + ty * tilesX
                for i in 0..<6 {
                    let target = v + 6 * i * q + c * tileCount + tile
                    Self.inputTiles(SIMD8<Float>.self, 0..<vectorTiles, down + i * span, target, q)
                    Self.inputTiles(Float.self, vectorTiles..<tilesX, down + i * span, target, q)
                }
            }
        }
    }

    /// U[ξ][o][c] = (G g Gᵀ)[ξ] for every 3×3 filter g.
    func transformWeightsF4x4(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        Self.forFilterBlocks(outChannels * channels) { pairs in
            Self.filterTiles(SIMD8<Float>.self, pairs.vector, w, u, weightStride)
            Self.filterTiles(Float.self, pairs.rest, w, u, weightStride)
        }
    }

    /// out[n][o] tile = Aᵀ m A for every tile's 6×6 product m; outputs past the image dropped.
    func transformOutputF4x4(_ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let q = outputStride, span = rowSpan
        forEachPlane(channels: outChannels, scratch: 4 * span) { plane, n, o, rows in
            let image = out + plane * height * width
            for ty in 0..<tilesY {
                let p = m + o * tileCount + n * tilesPerImage + ty * tilesX
                Self.outputTiles(SIMD8<Float>.self, 0..<vectorTiles, p, q, rows, span)
                Self.outputTiles(Float.self, vectorTiles..<tilesX, p, q, rows, span)
                for r in 0..<min(4, height - 4 * ty) { (image + (4 * ty + r) * width).update(from: rows + r * span, count: width) }
            }
        }
    }

    /// dM[ξ][o][t] = (A dy Aᵀ)[ξ] for every 4×4 tile of the output gradient (zero past the image).
    func transformOutputGradientF4x4(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        let q = outputStride, span = rowSpan
        forEachPlane(channels: outChannels, scratch: 10 * span) { plane, n, o, rows in
            let image = dy + plane * height * width, down = rows + 4 * span
            for ty in 0..<tilesY {
                for i in 0..<4 {
                    let row = rows + i * span
                    row.update(repeating: 0, count: span)
                    if 4 * ty + i < height { row.update(from: image + (4 * ty + i) * width, count: width) }
                }
                // A down the rows, then across within each tile.
                for j in stride(from: 0, to: span, by: SIMD8<Float>.width) {
                    @inline(__always) func e(_ i: Int) -> SIMD8<Float> { SIMD8.load(rows + i * span + j) }
                    Self.store(Self.gradientTransform(e(0), e(1), e(2), e(3)), down + j, span)
                }
                let tile = n * tilesPerImage + ty * tilesX
                for i in 0..<6 {
                    let target = dm + 6 * i * q + o * tileCount + tile
                    Self.outputGradientTiles(SIMD8<Float>.self, 0..<vectorTiles, down + i * span, target, q)
                    Self.outputGradientTiles(Float.self, vectorTiles..<tilesX, down + i * span, target, q)
                }
            }
        }
    }

    /// dx = Σ over tiles of B dV Bᵀ, each 6×6 added back where its input tile was read.
    func transformInputGradientF4x4(_ dv: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let q = inputStride, span = rowSpan, paddedRows = 4 * tilesY + 2
        forEachPlane(channels: channels, scratch: paddedRows * span) { plane, n, c, padded in
            padded.update(repeating: 0, count: paddedRows * span)
            for ty in 0..<tilesY {
                let p = dv + c * tileCount + n * tilesPerImage + ty * tilesX, top = padded + 4 * ty * span
                Self.inputGradientTiles(SIMD8<Float>.self, 0..<vectorTiles, p, q, top, span)
                Self.inputGradientTiles(Float.self, vectorTiles..<tilesX, p, q, top, span)
            }
            // Padded row y + 1, column x + 1 is input pixel (y, x).
            let image = dx + plane * height * width
            for y in 0..<height { (image + y * width).update(from: padded + (y + 1) * span + 1, count: width) }
        }
    }

    /// dw[o][c] = Gᵀ dU G for every filter's 6×6 gradient dU.
    func transformWeightGradientF4x4(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        Self.forFilterBlocks(outChannels * channels) { pairs in
            Self.filterGradientTiles(SIMD8<Float>.self, pairs.vector, du, weightStride, dw)
            Self.filterGradientTiles(Float.self, pairs.rest, du, weightStride, dw)
        }
    }

    /// Splits `count` filters over the cores, each chunk into a run of whole SIMD blocks and
    /// the rest.
    private static func forFilterBlocks(_ count: Int, _ body: ((vector: Range<Int>, rest: Range<Int>)) -> Void) {
        let blocks = (count + 7) / 8
        Parallel.forChunks(of: blocks, grain: 256) { chunk in
            let start = chunk.lowerBound * 8, end = min(chunk.upperBound * 8, count)
            let split = start + (end - start) / 8 * 8
            body((start..<split, split..<end))
        }
    }

    // MARK: The one-dimensional transforms (each 2-D transform is one down, one across)

    /// Bᵀ d.
    @inline(__always)
    private static func inputTransform<Lanes: TileLanes>(_ d0: Lanes, _ d1: Lanes, _ d2: Lanes, _ d3: Lanes, _ d4: Lanes, _ d5: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        let a = d4 - 4 * d2, b = d3 - 4 * d1, c = d4 - d2, e = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
    }

    /// Aᵀ m.
    @inline(__always)
    private static func outputTransform<Lanes: TileLanes>(_ m0: Lanes, _ m1: Lanes, _ m2: Lanes, _ m3: Lanes, _ m4: Lanes, _ m5: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }

    /// A e, the transpose of `outputTransform`.
    @inline(__always)
    private static func gradientTransform<Lanes: TileLanes>(_ e0: Lanes, _ e1: Lanes, _ e2: Lanes, _ e3: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        let a = e0 + e2, b = e1 + e3, c = e0 + 4 * e2, d = 2 * e1 + 8 * e3
        return (e0, a + b, a - b, c + d, c - d, e3)
    }

    /// B v, the transpose of `inputTransform`.
    @inline(__always)
    private static func inputGradientTransform<Lanes: TileLanes>(_ v0: Lanes, _ v1: Lanes, _ v2: Lanes, _ v3: Lanes, _ v4: Lanes,
                                                                 _ v5: Lanes) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        (4 * v0, 4 * (v2 - v1 + v5) + 2 * (v4 - v3), -5 * v0 - 4 * (v1 + v2) - (v3 + v4),
         (v1 - v2) + 2 * (v3 - v4) - 5 * v5, v0 + v1 + v2 + v3 + v4, v5)
    }

    /// G g.
    @inline(__always)
    private static func filterTransform<Lanes: TileLanes>(_ g0: Lanes, _ g1: Lanes, _ g2: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        let a = sixth * (g0 + g2), b = sixth * g1
        let c = twentyFourth * g0 + sixth * g2, d = twelfth * g1
        return (0.25 * g0, -a - b, -a + b, c + d, c - d, g2)
    }

    /// Gᵀ u, the transpose of `filterTransform`.
    @inline(__always)
    private static func filterGradientTransform<Lanes: TileLanes>(_ u0: Lanes, _ u1: Lanes, _ u2: Lanes, _ u3: Lanes, _ u4: Lanes,
                                                                  _ u5: Lanes) -> (Lanes, Lanes, Lanes) {
        (0.25 * u0 - sixth * (u1 + u2) + twentyFourth * (u3 + u4), sixth * (u2 - u1) + twelfth * (u3 - u4),
         sixth * (u3 + u4 - u1 - u2) + u5)
    }

    private static let sixth: Float = 1 / 6, twelfth: Float = 1 / 12, twentyFourth: Float = 1 / 24

    /// Six values to target[0], target[q], …, target[5q].
    @inline(__always)
    private static func store<Lanes: TileLanes>(_ t: (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes), _ target: UnsafeMutablePointer<Float>,
                                                _ q: Int) {
        t.0.store(target)
        t.1.store(target + q)
        t.2.store(target + 2 * q)
        t.3.store(target + 3 * q)
        t.4.store(target + 4 * q)
        t.5.store(target + 5 * q)
    }

    // MARK: A row of tiles, `Lanes.width` tiles at a time

    /// U for filters `range` (each nine taps at w[9 · filter]): G down the columns, then
    /// across each of the six rows, into u[ξ · q + filter].
    private static func filterTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ w: UnsafePointer<Float>,
                                                      _ u: UnsafeMutablePointer<Float>, _ q: Int) {
        for pair in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            @inline(__always) func g(_ tap: Int) -> Lanes { Lanes.load(w + 9 * pair + tap, stride: 9) }
            let c0 = filterTransform(g(0), g(3), g(6)), c1 = filterTransform(g(1), g(4), g(7)), c2 = filterTransform(g(2), g(5), g(8))
            store(filterTransform(c0.0, c1.0, c2.0), u + pair, q)
            store(filterTransform(c0.1, c1.1, c2.1), u + 6 * q + pair, q)
            store(filterTransform(c0.2, c1.2, c2.2), u + 12 * q + pair, q)
            store(filterTransform(c0.3, c1.3, c2.3), u + 18 * q + pair, q)
            store(filterTransform(c0.4, c1.4, c2.4), u + 24 * q + pair, q)
            store(filterTransform(c0.5, c1.5, c2.5), u + 30 * q + pair, q)
        }
    }

    /// dw for filters `range` from du[ξ · q + filter]: Gᵀ down each of the six columns, then
    /// across each of the three rows.
    private static func filterGradientTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ du: UnsafePointer<Float>, _ q: Int,
                                                              _ dw: UnsafeMutablePointer<Float>) {
        for pair in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            @inline(__always) func d(_ index: Int) -> Lanes { Lanes.load(du + index * q + pair) }
            @inline(__always) func down(_ k: Int) -> (Lanes, Lanes, Lanes) { filterGradientTransform(d(k), d(6 + k), d(12 + k), d(18 + k), d(24 + k), d(30 + k)) }
            let c0 = down(0), c1 = down(1), c2 = down(2), c3 = down(3), c4 = down(4), c5 = down(5)
            @inline(__always) func across(_ row: Int, _ t: (Lanes, Lanes, Lanes)) {
                t.0.store(dw + 9 * pair + 3 * row, stride: 9)
                t.1.store(dw + 9 * pair + 3 * row + 1, stride: 9)
                t.2.store(dw + 9 * pair + 3 * row + 2, stride: 9)
            }
            across(0, filterGradientTransform(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
            across(1, filterGradientTransform(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
            across(2, filterGradientTransform(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
        }
    }

    /// V for tiles `range` of one tile row: Bᵀ was applied down the rows into `row`
    /// (padded: index j is column j − 1); Bᵀ across each tile's six columns into
    /// target[ξ · q + tx] for the row's six positions ξ.
    private static func inputTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ row: UnsafePointer<Float>,
                                                     _ target: UnsafeMutablePointer<Float>, _ q: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            let s = row + 4 * tx
            let t = inputTransform(Lanes.everyFourth(s), Lanes.everyFourth(s + 1), Lanes.everyFourth(s + 2),
                                   Lanes.everyFourth(s + 3), Lanes.everyFourth(s + 4), Lanes.everyFourth(s + 5))
            store(t, target + tx, q)
        }
    }

    /// Aᵀ m A for tiles `range` of one tile row (p[ξ · q + tx] is m[ξ]), into four output
    /// rows `span` apart.
    private static func outputTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ p: UnsafePointer<Float>, _ q: Int,
                                                      _ rows: UnsafeMutablePointer<Float>, _ span: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            @inline(__always) func m(_ index: Int) -> Lanes { Lanes.load(p + index * q + tx) }
            @inline(__always) func down(_ k: Int) -> (Lanes, Lanes, Lanes, Lanes) { outputTransform(m(k), m(6 + k), m(12 + k), m(18 + k), m(24 + k), m(30 + k)) }
            let c0 = down(0), c1 = down(1), c2 = down(2), c3 = down(3), c4 = down(4), c5 = down(5)
            @inline(__always) func across(_ r: Int, _ a: Lanes, _ b: Lanes, _ c: Lanes, _ d: Lanes, _ e: Lanes, _ f: Lanes) {
                let y = outputTransform(a, b, c, d, e, f)
                Lanes.storeInterleaved(y.0, y.1, y.2, y.3, rows + r * span + 4 * tx)
            }
            across(0, c0.0, c1.0, c2.0, c3.0, c4.0, c5.0)
            across(1, c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)
            across(2, c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)
            across(3, c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)
        }
    }

    /// dM for tiles `range` of one tile row: A was applied down the gradient rows into
    /// `row`; A across each tile's four columns into target[ξ · q + tx].
    private static func outputGradientTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ row: UnsafePointer<Float>,
                                                              _ target: UnsafeMutablePointer<Float>, _ q: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            let s = row + 4 * tx
            let t = gradientTransform(Lanes.everyFourth(s), Lanes.everyFourth(s + 1), Lanes.everyFourth(s + 2), Lanes.everyFourth(s + 3))
            store(t, target + tx, q)
        }
    }

    /// B dV Bᵀ for tiles `range` of one tile row (p[ξ · q + tx] is dV[ξ]), added into six
    /// padded rows from `top`. Neighbouring tiles overlap by two columns; each block adds
    /// its tiles' last two columns before their first four, so every pixel sums its tiles
    /// in the same order one tile at a time would (left tile first).
    private static func inputGradientTiles<Lanes: TileLanes>(_: Lanes.Type, _ range: Range<Int>, _ p: UnsafePointer<Float>, _ q: Int,
                                                             _ top: UnsafeMutablePointer<Float>, _ span: Int) {
        for tx in stride(from: range.lowerBound, to: range.upperBound, by: Lanes.width) {
            @inline(__always) func v(_ index: Int) -> Lanes { Lanes.load(p + index * q + tx) }
            @inline(__always) func across(_ i: Int) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
                inputGradientTransform(v(6 * i), v(6 * i + 1), v(6 * i + 2), v(6 * i + 3), v(6 * i + 4), v(6 * i + 5))
            }
            let h0 = across(0), h1 = across(1), h2 = across(2), h3 = across(3), h4 = across(4), h5 = across(5)
            let c0 = inputGradientTransform(h0.0, h1.0, h2.0, h3.0, h4.0, h5.0)
            let c1 = inputGradientTransform(h0.1, h1.1, h2.1, h3.1, h4.1, h5.1)
            let c2 = inputGradientTransform(h0.2, h1.2, h2.2, h3.2, h4.2, h5.2)
            let c3 = inputGradientTransform(h0.3, h1.3, h2.3, h3.3, h4.3, h5.3)
            let c4 = inputGradientTransform(h0.4, h1.4, h2.4, h3.4, h4.4, h5.4)
            let c5 = inputGradientTransform(h0.5, h1.5, h2.5, h3.5, h4.5, h5.5)
            // c_k holds column k of the tile, rows 0…5.
            let columns = top + 4 * tx, zero = 0 * c0.0
            Lanes.addInterleaved(c4.0, c5.0, zero, zero, columns + 4)
            Lanes.addInterleaved(c4.1, c5.1, zero, zero, columns + span + 4)
            Lanes.addInterleaved(c4.2, c5.2, zero, zero, columns + 2 * span + 4)
            Lanes.addInterleaved(c4.3, c5.3, zero, zero, columns + 3 * span + 4)
            Lanes.addInterleaved(c4.4, c5.4, zero, zero, columns + 4 * span + 4)
            Lanes.addInterleaved(c4.5, c5.5, zero, zero, columns + 5 * span + 4)
            Lanes.addInterleaved(c0.0, c1.0, c2.0, c3.0, columns)
            Lanes.addInterleaved(c0.1, c1.1, c2.1, c3.1, columns + span)
            Lanes.addInterleaved(c0.2, c1.2, c2.2, c3.2, columns + 2 * span)
            Lanes.addInterleaved(c0.3, c1.3, c2.3, c3.3, columns + 3 * span)
            Lanes.addInterleaved(c0.4, c1.4, c2.4, c3.4, columns + 4 * span)
            Lanes.addInterleaved(c0.5, c1.5, c2.5, c3.5, columns + 5 * span)
        }
    }
}
