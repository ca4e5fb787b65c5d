import Foundation
import LoupeData
import LoupeModels
import LoupeTensor

/// A trained run ready to score images: teacher, student and map, in evaluation mode.
public struct Scorer {
    public let preprocessing: Preprocessing
    let teacher: Teacher
    let model: any DistillationModel
    let blur: GaussianBlur
    let imageScore: ImageScore
    /// The values its maps take (the method's contract).
    public let mapRange: ClosedRange<Float>

    /// The run of checkpoint file `path`, with the teacher weights it was trained with
    /// (when it recorded them and they are still there; else the installed ones), checked
    /// against the recorded names, sizes and hashes; and with the ROI run it was trained
    /// with, if any (`regionRun`: that run at another path; refused when it differs, or
    /// when the run was trained on whole frames).
    public init(checkpoint: Checkpoint, path: String, regionRun: String? = nil) throws {
        let metadata = checkpoint.metadata
        let configuration = metadata.configuration
        let recorded = metadata.teacherWeightsPaths.flatMap { paths in
            paths.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? paths : nil
        }
        teacher = try MethodRegistry.teacher(for: configuration, weights: recorded)
        if metadata.teacherWeightsPaths != nil {
            let found = TeacherIdentity.describe(teacher.weights)
            guard found == metadata.teacherWeights else {
                throw RunError.teacherChanged(path: path, recorded: metadata.teacherWeights, found: found)
            }
        }
        model = try MethodRegistry.makeModel(for: configuration, teacher: teacher.layout)
        try model.loadStateDictionary(checkpoint.model, source: "model.safetensors")
        model.eval()
        if regionRun != nil && metadata.region == nil {
            throw RegionError.regionMismatch(run: path, detail: "trained on whole frames, so it cannot score ROI crops (--roi); train with --roi")
        }
        let region = try metadata.region.map { try $0.cropper(detector: path, override: regionRun) }
        preprocessing = Preprocessing(size: configuration.imageSize, normalization: teacher.normalization, tiling: metadata.tiling, region: region)
        blur = GaussianBlur(sigma: configuration.blurSigma)
        imageScore = configuration.effectiveImageScore
        mapRange = configuration.mapRange
    }

    /// Tiles scored together (the batched convolution path is faster than one at a time).
    static let tileBatch = 8

    /// The anomaly map of a prepared image, width×height row-major: for tiled runs every
    /// tile's unblurred map stitched (mean where tiles overlap), then the frame blurred once.
    public func anomalyMap(_ prepared: Preprocessing.Prepared) -> [Float] {
        frameMaps(prepared, scoring: false).anomaly
    }

    /// A prepared image's anomaly map and its score by the run's image-score rule (read
    /// from the method's image-scoring map when it has one).
    public func score(_ prepared: Preprocessing.Prepared) -> ScoredFrame {
        let maps = frameMaps(prepared, scoring: true)
        return ScoredFrame(map: maps.anomaly, score: imageScore((maps.imageScoring ?? maps.anomaly)[...]))
    }

    /// The frame's anomaly map and, when `scoring` and the method scores from another map,
    /// that map too (the console only shows the anomaly map: it does not pay for the other).
    private func frameMaps(_ prepared: Preprocessing.Prepared, scoring: Bool) -> (anomaly: [Float], imageScoring: [Float]?) {
        let size = preprocessing.size
        func maps(_ inputs: Tensor) -> ScoringMaps {
            let features = teacher.features(inputs)
            return scoring ? model.scoringMaps(images: inputs, teacherFeatures: features, height: size, width: size)
                : ScoringMaps(anomaly: model.anomalyMaps(images: inputs, teacherFeatures: features, height: size, width: size))
        }
        guard let grid = prepared.grid else {
            let maps = withoutGradients { maps(prepared.input(0, normalization: preprocessing.normalization)) }
            return (prepared.inFrame(blur(maps.anomaly).scalars), maps.imageScoring.map { prepared.inFrame(blur($0).scalars) })
        }
        var anomaly = TileStitcher(grid: grid)
        var imageScoring: TileStitcher?
        withoutGradients {
            for start in stride(from: 0, to: grid.count, by: Self.tileBatch) {
                let indices = Array(start..<min(grid.count, start + Self.tileBatch))
                let inputs = Tensor.concatenate(indices.map { prepared.input($0, normalization: preprocessing.normalization) }, alongAxis: 0)
                let maps = maps(inputs)
                let anomalyValues = maps.anomaly.scalars, scoringValues = maps.imageScoring?.scalars
                for (position, index) in indices.enumerated() {
                    let tile = (position * size * size)..<((position + 1) * size * size)
                    anomaly.add(Array(anomalyValues[tile]), tile: index)
                    if let scoringValues {
                        if imageScoring == nil { imageScoring = TileStitcher(grid: grid) }
                        imageScoring?.add(Array(scoringValues[tile]), tile: index)
                    }
                }
            }
        }
        func framed(_ stitcher: TileStitcher) -> [Float] {
            prepared.inFrame(blur(Tensor(shape: [1, grid.height, grid.width], scalars: stitcher.stitched)).scalars)
        }
        return (framed(anomaly), imageScoring.map(framed))
    }
}

/// One scored frame: its anomaly map (width×height) and its image score.
public struct ScoredFrame {
    public let map: [Float]
    public let score: Float
}
