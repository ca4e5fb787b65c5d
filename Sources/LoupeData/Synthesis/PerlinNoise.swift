import Foundation
import LoupeTensor

/// 2-D gradient (Perlin) noise: random unit gradients on a lattice of `cellsY`×`cellsX`
/// cells, blended with the quintic fade 6t⁵ − 15t⁴ + 10t³ and scaled by √2 to about ±1.
/// Thresholded, it gives the blob-shaped masks DRAEM uses for synthetic anomalies.
public struct PerlinNoise: Sendable {
    public let cellsY: Int, cellsX: Int
    /// Each lattice point's unit gradient (cos θ, sin θ), computed once: per pixel, the
    /// eight trigonometric calls had cost 1.5 % of a sacd epoch's CPU (the loader's).
    private let gradients: [(x: Double, y: Double)]

    public init(cellsY: Int, cellsX: Int, using generator: inout SeededGenerator) {
        invariant(cellsY > 0 && cellsX > 0, "PerlinNoise: cells \(cellsY)x\(cellsX) must be positive")
        self.cellsY = cellsY
        self.cellsX = cellsX
        gradients = (0..<((cellsY + 1) * (cellsX + 1))).map { _ in
            let angle = 2 * Double.pi * Double(generator.nextUniform())
            return (cos(angle), sin(angle))
        }
    }

    private static func fade(_ t: Double) -> Double { t * t * t * (t * (t * 6 - 15) + 10) }

    /// Pixel `index` of `size` on a lattice of `cells`: its cell, its offset in the cell, and that offset faded.
    private static func position(_ index: Int, of size: Int, cells: Int) -> (cell: Int, offset: Double, fade: Double) {
        let g = Double(index) * Double(cells) / Double(size)
        let cell = min(Int(g), cells - 1), offset = g - Double(cell)
        return (cell, offset, fade(offset))
    }

    /// Noise values on a `height`×`width` grid, row-major.
    public func sample(width: Int, height: Int) -> [Float] {
        // Where each column and row falls in the lattice, and its fade, computed once.
        let columns = (0..<width).map { x in Self.position(x, of: width, cells: cellsX) }
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            let (iy, fy, v) = Self.position(y, of: height, cells: cellsY)
            for x in 0..<width {
                let (ix, fx, u) = columns[x]
                func dot(_ cornerY: Int, _ cornerX: Int) -> Double {
                    let gradient = gradients[(iy + cornerY) * (cellsX + 1) + ix + cornerX]
                    return gradient.x * (fx - Double(cornerX)) + gradient.y * (fy - Double(cornerY))
                }
                let top = dot(0, 0) * (1 - u) + dot(0, 1) * u
                let bottom = dot(1, 0) * (1 - u) + dot(1, 1) * u
                out[y * width + x] = Float(2.0.squareRoot() * (top * (1 - v) + bottom * v))
            }
        }
        return out
    }
}
