import Foundation
import LoupeTensor

/// 2-D gradient (Perlin) noise: random unit gradients on a lattice of `cellsY`×`cellsX`
/// cells, blended with the quintic fade 6t⁵ − 15t⁴ + 10t³ and scaled by √2 to about ±1.
/// Thresholded, it gives the blob-shaped masks DRAEM uses for synthetic anomalies.
public struct PerlinNoise: Sendable {
    public let cellsY: Int, cellsX: Int
    private let angles: [Double]

    public init(cellsY: Int, cellsX: Int, using generator: inout SeededGenerator) {
        invariant(cellsY > 0 && cellsX > 0, "PerlinNoise: cells \(cellsY)x\(cellsX) must be positive")
        self.cellsY = cellsY
        self.cellsX = cellsX
        angles = (0..<((cellsY + 1) * (cellsX + 1))).map { _ in 2 * Double.pi * Double(generator.nextUniform()) }
    }

    private static func fade(_ t: Double) -> Double { t * t * t * (t * (t * 6 - 15) + 10) }

    /// Noise values on a `height`×`width` grid, row-major.
    public func sample(width: Int, height: Int) -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            let gy = Double(y) * Double(cellsY) / Double(height)
            let iy = min(Int(gy), cellsY - 1), fy = gy - Double(iy)
            for x in 0..<width {
                let gx = Double(x) * Double(cellsX) / Double(width)
                let ix = min(Int(gx), cellsX - 1), fx = gx - Double(ix)
                func dot(_ cornerY: Int, _ cornerX: Int) -> Double {
                    let angle = angles[(iy + cornerY) * (cellsX + 1) + ix + cornerX]
                    return cos(angle) * (fx - Double(cornerX)) + sin(angle) * (fy - Double(cornerY))
                }
                let u = Self.fade(fx), v = Self.fade(fy)
                let top = dot(0, 0) * (1 - u) + dot(0, 1) * u
                let bottom = dot(1, 0) * (1 - u) + dot(1, 1) * u
                out[y * width + x] = Float(2.0.squareRoot() * (top * (1 - v) + bottom * v))
            }
        }
        return out
    }
}
