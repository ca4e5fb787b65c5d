import LoupeData
import LoupeImaging
import LoupeTensor
import Testing

/// Tiles cut and stitched back: exact round trips, borders, uneven sizes.
@Suite struct TilingTests {
    @Test(arguments: [(640, 640, 256, 32), (300, 170, 64, 16), (97, 33, 32, 0), (20, 50, 32, 8), (256, 256, 256, 32)])
    func tileThenStitchIsExact(width: Int, height: Int, size: Int, overlap: Int) {
        let grid = Tiling(size: size, overlap: overlap).grid(width: width, height: height)
        // Every pixel of the frame is covered, and no tile starts outside it.
        #expect((grid.columns - 1) * (size - overlap) < max(width, 1) && (grid.columns - 1) * (size - overlap) + size >= width)
        #expect((grid.rows - 1) * (size - overlap) + size >= height)
        var generator = SeededGenerator(seed: 3)
        let values = (0..<(width * height)).map { _ in generator.nextUniform() * 7 }
        let frame = Image(width: width, height: height, channels: 1, pixels: values)
        var stitcher = TileStitcher(grid: grid)
        for index in 0..<grid.count {
            let tile = grid.tile(index, of: frame)
            #expect(tile.width == size && tile.height == size)
            stitcher.add(tile.pixels, tile: index)
        }
        #expect(stitcher.stitched == values)
    }

    @Test func gridCountsAndOrigins() {
        // 640 at 256/32: stride 224, origins 0, 224, 448 (the last reaches 704: 64 mirrored pixels).
        let grid = Tiling(size: 256, overlap: 32).grid(width: 640, height: 480)
        #expect(grid.columns == 3 && grid.rows == 2 && grid.count == 6)
        #expect(grid.origin(4) == (224, 224) && grid.origin(2) == (448, 0))
    }

    @Test func bordersAreMirroredWithoutRepeatingTheEdge() {
        // Row 0 1 2 3 4, tile of 8 from origin 0: 0 1 2 3 4 3 2 1 (numpy's "reflect").
        let frame = Image(width: 5, height: 1, channels: 1, pixels: [0, 1, 2, 3, 4])
        let grid = Tiling(size: 32, overlap: 0).grid(width: 5, height: 1)
        let tile = grid.tile(0, of: frame)
        #expect(Array(tile.pixels.prefix(10)) == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1])
        #expect(Array(tile.pixels[32..<37]) == [0, 1, 2, 3, 4])  // second row mirrors row 0 (height 1)
    }

    @Test func overlapsAreAveraged() {
        // Two 32-wide tiles over 48 pixels (overlap 16): tile 0 says 1, tile 1 says 3.
        let grid = Tiling(size: 32, overlap: 16).grid(width: 48, height: 32)
        var stitcher = TileStitcher(grid: grid)
        stitcher.add([Float](repeating: 1, count: 32 * 32), tile: 0)
        stitcher.add([Float](repeating: 3, count: 32 * 32), tile: 1)
        let row = Array(stitcher.stitched.prefix(48))
        #expect(row[0..<16].allSatisfy { $0 == 1 } && row[16..<32].allSatisfy { $0 == 2 } && row[32..<48].allSatisfy { $0 == 3 })
    }

    @Test func settingsAreChecked() {
        #expect(Tiling(size: 256, overlap: 32).problem == nil)
        #expect(Tiling(size: 100, overlap: 0).problem?.contains("multiple of 32") == true)
        #expect(Tiling(size: 48, overlap: 0).problem != nil, "48 comes back from the stride-32 bottleneck as 64")
        #expect(Tiling(size: 64, overlap: 64).problem?.contains("overlap") == true)
    }
}
