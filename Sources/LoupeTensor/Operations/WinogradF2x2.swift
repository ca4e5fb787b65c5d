/// The transforms of F(2×2, 3×3): 4×4 input tiles overlapping by 2, 16 positions, 2×2 outputs.
extension WinogradKernel {
    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for every 4×4 input tile d (rows 2ty−1…2ty+2, zero outside).
    func transformInputF2x2(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
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
    func transformWeightsF2x2(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
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
    func transformOutputF2x2(_ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
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
    func transformOutputGradientF2x2(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
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
    func transformInputGradientF2x2(_ dv: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
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
    func transformWeightGradientF2x2(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
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
