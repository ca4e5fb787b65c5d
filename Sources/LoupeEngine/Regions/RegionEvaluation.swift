import LoupeImaging
import LoupeMetrics

/// How well a ROI run finds the part: per frame, the intersection over union of the part
/// (and of the background), at the frame's own resolution.
public struct RegionEvaluation: Sendable {
    public struct Frame: Sendable, Equatable {
        public let path: String
        public let partIoU: Double
        public let backgroundIoU: Double
    }

    public let frames: [Frame]

    /// Mean over frames of the two classes' mean IoU (part and background): the paper's mIoU.
    public var meanIoU: Double { frames.map { ($0.partIoU + $0.backgroundIoU) / 2 }.reduce(0, +) / Double(max(frames.count, 1)) }
    /// Mean over frames of the part's IoU alone.
    public var meanPartIoU: Double { frames.map(\.partIoU).reduce(0, +) / Double(max(frames.count, 1)) }

    public init(frames: [Frame]) { self.frames = frames }

    /// Segments every frame of `samples` with `segmenter` and compares with its mask.
    public init(segmenter: RegionSegmenter, samples: RegionSamples, progress: (Int, Int) -> Void = { _, _ in }) throws {
        var frames: [Frame] = []
        for (index, pair) in samples.pairs.enumerated() {
            let frame = try ImageFile.read(pair.image)
            let truth = try RegionSamples.mask(pair.mask, width: frame.width, height: frame.height)
            let found = segmenter.mask(of: frame)
            // A class absent from both truth and prediction counts as found perfectly.
            let counts = Confusion(truth: truth, predicted: found)
            frames.append(Frame(path: pair.image, partIoU: counts.positiveIntersectionOverUnion ?? 1,
                                backgroundIoU: counts.negativeIntersectionOverUnion ?? 1))
            progress(index + 1, samples.pairs.count)
        }
        self.frames = frames
    }
}
