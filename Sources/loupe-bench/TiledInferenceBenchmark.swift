import Foundation
import LoupeData
import LoupeEngine
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Full-frame scoring of a tiled run: a 2048×2048 frame in 256-pixel tiles overlapping by
/// 32 (81 tiles), teacher + student, stitching and one blur, beside the same pipeline in
/// PyTorch (scripts/tiled-peer.py) in the same run. PNG decoding is not timed.
enum TiledInferenceBenchmark {
    static func run(repository: String, repeats: Int, comparePeer: Bool, frameSize: Int = 2048, tiling: Tiling = Tiling(size: 256, overlap: 32)) {
        let name = "rd_tiled_infer_\(frameSize)_tile\(tiling.size)_overlap\(tiling.overlap)"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bench-frame-\(getpid()).png").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            var generator = SeededGenerator(seed: 5)
            let pixels = (0..<(3 * frameSize * frameSize)).map { _ in Float(generator.next() % 256) }
            try PNG.write(Image(width: frameSize, height: frameSize, channels: 3, pixels: pixels), to: file)
            var configuration = TrainingConfiguration()
            configuration.imageSize = tiling.size
            let model = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: [24, 40, 112]), seed: 0)
            let metadata = CheckpointMetadata(configuration: configuration, data: .path(""), epoch: 1, threshold: nil, teacherWeights: "", tiling: tiling)
            let scorer = try Scorer(checkpoint: Checkpoint(model: model.stateDictionary(), optimizer: [:], metadata: metadata), path: "(benchmark)")
            let prepared = try scorer.preprocessing.prepare(file)
            _ = scorer.anomalyMap(prepared)
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = scorer.anomalyMap(prepared)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            let ours = times.sorted()[times.count / 2]
            let theirs = comparePeer ? peer(repository: repository, frameSize: frameSize, tiling: tiling, repeats: repeats) : nil
            print("")
            print("tiled full-frame inference (\(prepared.inputCount) tiles, stitch, blur; 2 cores):")
            print(name.padded(to: 44) + String(format: "%10.0f ms", ours)
                  + (theirs.map { String(format: "   PyTorch %8.0f ms   ratio %5.2fx", $0, $0 / ours) } ?? ""))
        } catch {
            print("tiled benchmark skipped: \(error)")
        }
    }

    static func peer(repository: String, frameSize: Int, tiling: Tiling, repeats: Int) -> Double? {
        PythonPeer.jsonLines(repository + "/scripts/tiled-peer.py", ["--frame", "\(frameSize)", "--tile", "\(tiling.size)",
                                                                     "--overlap", "\(tiling.overlap)", "--repeats", "\(repeats)"])?
            .first?["ms"] as? Double
    }

}
