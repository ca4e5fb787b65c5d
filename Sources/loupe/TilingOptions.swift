import ArgumentParser
import LoupeData
import LoupeEngine

/// `--tile`, `--overlap`, `--tiles-per-image`: native-resolution tiles instead of shrunk
/// frames, declared once for every command that trains (`train`, `compare`).
struct TilingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cut frames into tiles of this many pixels at native resolution instead of shrinking them.",
                               discussion: "For high-resolution frames with small defects; eval, infer and console reuse the tiling."))
    var tile: Int?

    @Option(help: "Overlap between neighbouring tiles in pixels (with --tile; default 32).")
    var overlap: Int?

    @Option(help: "With --tile: tiles drawn at random from each image per epoch (default: all).")
    var tilesPerImage: Int?

    /// `file` with the tiling given here (a tile size is also the input size).
    func apply(to file: inout RunConfigurationFile) throws {
        if let tile {
            let tiling = Tiling(size: tile, overlap: overlap ?? file.tiling?.overlap ?? 32)
            if let problem = tiling.problem { throw ValidationError("--tile/--overlap: \(problem)") }
            file.tiling = tiling
        } else if let overlap, let tiling = file.tiling {
            file.tiling = Tiling(size: tiling.size, overlap: overlap)
        }
        if let tilesPerImage {
            guard tilesPerImage >= 1, file.tiling != nil else { throw ValidationError("--tiles-per-image needs --tile and a positive count") }
            file.tilesPerImage = tilesPerImage
        }
    }
}
