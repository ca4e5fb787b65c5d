import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// One network input of the training set: a whole (resized) image, or one tile of it.
struct TrainingUnit {
    let sample: Sample
    /// Index of the image among the training samples.
    let image: Int
    /// The tile and its frame's grid, for tiled runs.
    let tile: (index: Int, grid: TileGrid)?

    /// Every unit of `samples`: one per image, or one per tile (each frame's size read from
    /// its header, so frames whose features are stored are never decoded).
    static func all(_ samples: [Sample], preprocessing: Preprocessing) throws -> [TrainingUnit] {
        guard let tiling = preprocessing.tiling else {
            return samples.enumerated().map { TrainingUnit(sample: $1, image: $0, tile: nil) }
        }
        return try samples.enumerated().flatMap { image, sample in
            let frame = try ImageFile.dimensions(sample.path)
            let grid = tiling.grid(width: frame.width, height: frame.height)
            return (0..<grid.count).map { TrainingUnit(sample: sample, image: image, tile: ($0, grid)) }
        }
    }

    /// Units an epoch uses.
    static func epochCount(_ units: [TrainingUnit], tilesPerImage: Int?) -> Int {
        guard let tilesPerImage else { return units.count }
        return Dictionary(grouping: units, by: \.image).values.map { min($0.count, tilesPerImage) }.reduce(0, +)
    }

    /// This epoch's units in training order: all of them shuffled, or `tilesPerImage` drawn
    /// from each image's tiles and then shuffled. Depends only on the generator (seed, epoch).
    static func epochOrder(_ units: [TrainingUnit], tilesPerImage: Int?, using generator: inout SeededGenerator) -> [Int] {
        guard let tilesPerImage else { return Array(units.indices).shuffled(using: &generator) }
        var byImage: [Int: [Int]] = [:]
        for (index, unit) in units.enumerated() { byImage[unit.image, default: []].append(index) }
        var chosen: [Int] = []
        for image in byImage.keys.sorted() {
            chosen += byImage[image]!.shuffled(using: &generator).prefix(tilesPerImage)
        }
        return chosen.shuffled(using: &generator)
    }

    /// The 1×3×size×size input, from its image as `Preprocessing.prepare` read it.
    func input(from prepared: Preprocessing.Prepared, _ preprocessing: Preprocessing) -> Tensor {
        prepared.input(tile?.index ?? 0, normalization: preprocessing.normalization)
    }

    /// What distinguishes this unit's entry in the feature store besides the image bytes.
    var storeVariant: String { tile.map { "tile \($0.index) of \($0.grid.columns)x\($0.grid.rows)" } ?? "" }
}
