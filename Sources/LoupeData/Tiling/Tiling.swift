import LoupeImaging
import LoupeTensor

/// How a high-resolution frame is cut for the network: square tiles of `size` pixels at
/// native resolution, neighbours overlapping by `overlap`, so a defect a few pixels wide is
/// never shrunk away and one on a seam lies whole inside some tile.
public struct Tiling: Codable, Equatable, Sendable {
    public var size: Int
    public var overlap: Int

    public init(size: Int, overlap: Int) {
        self.size = size
        self.overlap = overlap
    }

    /// Distance between neighbouring tile origins.
    public var stride: Int { size - overlap }

    /// Why these settings cannot tile, or nil.
    public var problem: String? {
        // A tile is a network input: a multiple of 32 (`TrainingConfiguration.acceptsImageSize`).
        if size < 32 || size % 32 != 0 { return "tile size must be a multiple of 32 of at least 32, got \(size)" }
        if overlap < 0 || overlap >= size { return "overlap must be between 0 and the tile size (\(size)), got \(overlap)" }
        return nil
    }

    /// The tiles covering a width×height frame.
    public func grid(width: Int, height: Int) -> TileGrid { TileGrid(tiling: self, width: width, height: height) }
}

/// The tiles of one frame, row by row. The last row and column may reach past the frame's
/// edge; those pixels are the frame mirrored at its border (reflection, edge not repeated).
public struct TileGrid: Equatable, Sendable {
    public let tiling: Tiling
    public let width: Int, height: Int
    public let columns: Int, rows: Int

    init(tiling: Tiling, width: Int, height: Int) {
        self.tiling = tiling
        self.width = width
        self.height = height
        func count(_ length: Int) -> Int {
            length <= tiling.size ? 1 : (length - tiling.size + tiling.stride - 1) / tiling.stride + 1
        }
        columns = count(width)
        rows = count(height)
    }

    public var count: Int { columns * rows }

    /// Top-left corner of tile `index` in frame coordinates.
    public func origin(_ index: Int) -> (x: Int, y: Int) {
        ((index % columns) * tiling.stride, (index / columns) * tiling.stride)
    }

    /// Frame coordinate for a position that may lie outside 0..<length (mirrored).
    static func reflected(_ position: Int, _ length: Int) -> Int {
        guard length > 1 else { return 0 }
        let period = 2 * (length - 1)
        var p = position % period
        if p < 0 { p += period }
        return p < length ? p : period - p
    }

    /// Tile `index` cut from `image` (which must be this grid's frame size).
    public func tile(_ index: Int, of image: Image) -> Image {
        invariant(image.width == width && image.height == height, "TileGrid: frame is \(image.width)x\(image.height), grid is for \(width)x\(height)")
        let (x0, y0) = origin(index)
        let size = tiling.size
        if x0 + size <= width && y0 + size <= height {
            return image.cropped(x: x0, y: y0, width: size, height: size)
        }
        var pixels = [Float](repeating: 0, count: image.channels * size * size)
        let plane = width * height
        for channel in 0..<image.channels {
            for y in 0..<size {
                let sourceRow = Self.reflected(y0 + y, height) * width
                for x in 0..<size {
                    pixels[(channel * size + y) * size + x] = image.pixels[channel * plane + sourceRow + Self.reflected(x0 + x, width)]
                }
            }
        }
        return Image(width: size, height: size, channels: image.channels, pixels: pixels, sourceBitDepth: image.sourceBitDepth)
    }
}

/// Joins per-tile maps into one frame-sized map: where tiles overlap, the mean of their
/// values (accumulated in Double, so equal values stitch back exactly).
public struct TileStitcher: Sendable {
    public let grid: TileGrid
    private var sums: [Double]
    private var counts: [UInt16]

    public init(grid: TileGrid) {
        self.grid = grid
        sums = [Double](repeating: 0, count: grid.width * grid.height)
        counts = [UInt16](repeating: 0, count: grid.width * grid.height)
    }

    /// Adds tile `index`'s size×size map (row-major); pixels past the frame are dropped.
    public mutating func add(_ map: [Float], tile index: Int) {
        let size = grid.tiling.size
        invariant(map.count == size * size, "TileStitcher: a \(size)x\(size) tile needs \(size * size) values, got \(map.count)")
        let (x0, y0) = grid.origin(index)
        for y in 0..<min(size, grid.height - y0) {
            let row = (y0 + y) * grid.width + x0
            for x in 0..<min(size, grid.width - x0) {
                sums[row + x] += Double(map[y * size + x])
                counts[row + x] += 1
            }
        }
    }

    /// The frame's map: each pixel the mean of the tiles covering it.
    public var stitched: [Float] {
        zip(sums, counts).map { $1 == 0 ? 0 : Float($0 / Double($1)) }
    }
}
