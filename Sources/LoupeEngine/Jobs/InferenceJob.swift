import Foundation
import LoupeData
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Scores images with a trained run: the headless path of the line and of batch clusters.
public struct InferenceJob: Sendable {
    public struct Result: Sendable, Equatable {
        public let path: String
        public let score: Float
        public let isDefect: Bool?
        /// With a ROI run: no part was found, so the whole frame was scored.
        public var partMissing = false
        /// What this image took: decoding and preparing it, then scoring it.
        public var latency = Latency()

        public init(path: String, score: Float, isDefect: Bool?) {
            self.path = path
            self.score = score
            self.isDefect = isDefect
        }
    }

    /// The time one image spends in the pipeline when it does not wait in a queue, in
    /// milliseconds (measured as `EvaluationJob` times its images).
    public struct Latency: Sendable, Equatable {
        public var decode: Double = 0
        public var score: Double = 0
        public var total: Double { decode + score }
    }

    public let run: RunFolder
    public let images: [String]
    public let shard: Shard
    /// Overrides the run's threshold.
    public let threshold: Float?
    /// Where to write overlay PNGs (nil: none).
    public let overlays: String?
    public let colourMap: ColourMap
    /// Where each image's anomaly map goes as float32 `.npy` (frame pixels, height×width).
    public let maps: String?
    /// The ROI run the detector was trained with, at another path (nil: as recorded).
    public let regionRun: String?

    public init(run: RunFolder, images: [String], shard: Shard = .whole, threshold: Float? = nil, overlays: String? = nil,
                colourMap: ColourMap = .turbo, regionRun: String? = nil, maps: String? = nil) {
        self.run = run
        self.maps = maps
        self.regionRun = regionRun
        self.images = images
        self.shard = shard
        self.threshold = threshold
        self.overlays = overlays
        self.colourMap = colourMap
    }

    /// Files named directly, and images (`ImageListing.isImage`: PNG, JPEG, BMP, TIFF) found
    /// in the named folders and their sub-folders, sorted.
    public static func expand(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw ImageError.unreadable(path: argument, reason: "no such file or folder")
            }
            if isDirectory.boolValue {
                let before = files.count
                let enumerator = FileManager.default.enumerator(atPath: argument)
                while let relative = enumerator?.nextObject() as? String {
                    let path = argument + "/" + relative
                    if !(relative as NSString).lastPathComponent.hasPrefix("."), ImageListing.isImage(path) {
                        files.append(path)
                    }
                }
                // A folder named on the command line that holds nothing to score is a wrong path.
                if files.count == before { throw DatasetError.noImages(path: argument, role: "named") }
            } else {
                files.append(argument)
            }
        }
        return files.sorted()
    }

    /// Scores this shard's images, calling `scored` for each as it is done.
    public func start(scored: (Result) -> Void, isCancelled: () -> Bool = { false }) throws {
        guard run.exists else { throw RunError.missingRun(path: run.path) }
        let checkpoint = try Checkpoint.read(run.checkpoint)
        let scorer = try Scorer(checkpoint: checkpoint, path: run.checkpoint, regionRun: regionRun)
        let decisionThreshold = threshold ?? checkpoint.metadata.threshold
        let mine = shard.select(images)
        let preprocessing = scorer.preprocessing
        if let overlays { try RunFolder.createFolder(overlays) }
        if let maps { try RunFolder.createFolder(maps) }
        // Decoding is timed by CPU time: it runs on a low-priority loader thread, whose wall
        // time also counts waiting for a free core.
        let loader = PrefetchingLoader(count: mine.count, prefetch: 8) { index in
            let started = ThreadClock.milliseconds()
            let prepared = try preprocessing.prepare(mine[index])
            return (prepared, ThreadClock.milliseconds() - started)
        }
        for (index, input) in loader.enumerated() {
            if isCancelled() { throw RunError.cancelled }
            let (prepared, decoding) = try input.get()
            let started = DispatchTime.now().uptimeNanoseconds
            let frame = scorer.score(prepared)
            let (map, score) = (frame.map, frame.score)
            let scoring = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            if let overlays {
                try writeOverlay(mine[index], map: map, width: prepared.width, height: prepared.height,
                                 threshold: decisionThreshold ?? (map.max() ?? 1), into: overlays)
            }
            if let maps {
                try RunFolder.write(NumPyFile.float32(map, shape: [prepared.height, prepared.width]), to: maps + "/" + Self.outputName(mine[index], extension: "npy"))
            }
            var result = Result(path: mine[index], score: score, isDefect: decisionThreshold.map { score >= $0 })
            result.partMissing = prepared.partMissing
            result.latency = Latency(decode: decoding, score: scoring)
            scored(result)
        }
    }

    /// The image with its heat map; the scale is anchored at the threshold, which always
    /// lands in the middle of the colour map, so "above threshold" always reads hot.
    private func writeOverlay(_ path: String, map: [Float], width: Int, height: Int, threshold: Float, into folder: String) throws {
        let image = try ImageFile.read(path, resizedTo: width, height)
        let heat = Image.heatMap(map, width: width, height: height, low: 0, high: 2 * threshold, colourMap: colourMap)
        try PNG.write(image.overlaid(with: heat, opacity: 0.45), to: folder + "/" + Self.outputName(path, extension: nil))
    }

    /// An image's file in an output folder: parent folder and name, so test/hole/000.png
    /// and test/good/000.png do not collide (`hole-000.png`; with `extension`, `hole-000.npy`).
    public static func outputName(_ path: String, extension: String?) -> String {
        let name = path.split(separator: "/").suffix(2).joined(separator: "-")
        guard let `extension` else { return name }
        return (name as NSString).deletingPathExtension + "." + `extension`
    }
}
