import Foundation

// An image stem (3 channels, 7×7 at stride 2 on 256²: the students of pfadseg and stu-seg;
// 3×3 at stride 2: the EfficientNet-Lite teachers) unfolded a few output rows at a time. Its whole column matrix is 147 rows by every output
// of the batch (77 MB at batch 8), written once and read back by the product and again by
// the weight gradient: memory traffic, not arithmetic, set its time. A block's columns stay
// in cache between the unfold and the product that reads them.

extension ConvolutionKernel {
    /// Values of one block's column matrix: about half a megabyte, within a core's L2 cache.
    static let blockedColumnsValues = 1 << 17

    /// Dense with at most 4 input channels (an image), and a per-image column matrix of
    /// over 1 MB: where unfolding the whole batch costs more than the product. The
    /// EfficientNet-Lite teachers' 3×3 stride-2 stem at 256² (1.7 MB an image) is one:
    /// batch 8, forward 3.5 → 2.5 ms, with its gradients 12.4 → 10.0 ms.
    var unfoldsInBlocks: Bool {
        groups == 1 && geometry.channels <= 4 && !geometry.isPointwise && !geometry.tilesInPairs && !isDirect
            && geometry.columnRows * geometry.outputArea >= 1 << 18
    }

    /// Output rows per block: the most whose columns fit `blockedColumnsValues`, at least one.
    private var blockRows: Int {
        max(1, Self.blockedColumnsValues / max(geometry.columnRows * geometry.outputWidth, 1))
    }

    /// Blocks of `blockRows` output rows in one image, the last perhaps shorter.
    private var blocksPerImage: Int { (geometry.outputHeight + blockRows - 1) / blockRows }

    /// Blocks in the batch.
    private var blockCount: Int { batch * blocksPerImage }

    /// Calls `body(n, rows, columns)` for each block of `rows` of each image `n` in `tasks`
    /// (numbered image by image), with that block's columns unfolded into scratch.
    private func forEachBlock(of x: UnsafePointer<Float>, in tasks: Range<Int>, _ body: (Int, Range<Int>, UnsafePointer<Float>) -> Void) {
        let g = geometry, rowsPerBlock = blockRows, blocks = blocksPerImage
        withScratch(count: g.columnRows * rowsPerBlock * g.outputWidth) { columns in
            for task in tasks {
                let n = task / blocks, first = task % blocks * rowsPerBlock
                let rows = first..<min(g.outputHeight, first + rowsPerBlock)
                g.imageToColumns(x + n * g.channels * g.imageArea, columns, parallel: false, outputRows: rows)
                body(n, rows, columns)
            }
        }
    }

    /// out[n][rows] = W · columns(x[n], rows), block by block across the cores.
    func blockedForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let g = geometry, target = UncheckedSendable(out)
        Parallel.forChunks(of: blockCount, grain: 1, chunksPerCore: 4) { tasks in
            forEachBlock(of: x, in: tasks) { n, rows, columns in
                gemm(transposeA: false, transposeB: false, m: outChannels, n: rows.count * g.outputWidth, k: g.columnRows,
                     a: w, lda: g.columnRows, b: columns, ldb: rows.count * g.outputWidth,
                     c: target.value + n * outChannels * g.outputArea + rows.lowerBound * g.outputWidth, ldc: g.outputArea, parts: 1)
            }
        }
    }

    /// dW = Σ over blocks dy[n][rows] · columns(x[n], rows)ᵀ: one partial sum per chunk of
    /// blocks, added in chunk order, so the result does not depend on which core ran what.
    func blockedWeightGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let g = geometry, weights = outChannels * g.columnRows, count = blockCount
        let chunks = min(Parallel.coreCount, count)
        guard chunks > 0 else { return dw.update(repeating: 0, count: weights) }
        withScratch(count: chunks * weights) { partials in
            let sums = UncheckedSendable(partials)
            Parallel.forEach(chunks) { chunk in
                let partial = sums.value + chunk * weights
                var first = true
                forEachBlock(of: x, in: count * chunk / chunks..<count * (chunk + 1) / chunks) { n, rows, columns in
                    gemm(transposeA: false, transposeB: true, m: outChannels, n: g.columnRows, k: rows.count * g.outputWidth,
                         a: dy + n * outChannels * g.outputArea + rows.lowerBound * g.outputWidth, lda: g.outputArea,
                         b: columns, ldb: rows.count * g.outputWidth, c: partial, ldc: g.columnRows, accumulate: !first, parts: 1)
                    first = false
                }
            }
            dw.update(from: partials, count: weights)
            for chunk in 1..<chunks {
                let partial = partials + chunk * weights
                for i in 0..<weights { dw[i] += partial[i] }
            }
        }
    }
}
