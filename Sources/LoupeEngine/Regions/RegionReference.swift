import Foundation

/// What a detector run records of the ROI run it was trained with: where it is, what it
/// held (name and content hash of its checkpoint) and the crop margin, so eval, infer and
/// the console crop exactly as training did, or refuse by name.
public struct RegionReference: Codable, Equatable, Sendable {
    /// The ROI run folder, absolute.
    public var run: String
    /// `RegionRun.identity()` when the detector was trained.
    public var identity: String
    public var margin: Double

    /// A new detector run's ROI: the run at `path`, loaded.
    public static func load(run path: String, margin: Double) throws -> (RegionReference, RegionCropper) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let segmenter = try RegionSegmenter(run: RegionRun(absolute))
        return (RegionReference(run: absolute, identity: segmenter.identity, margin: margin), RegionCropper(segmenter: segmenter, margin: margin))
    }

    /// The recorded ROI run (or `override`, another path to the same run) loaded, after
    /// checking its checkpoint is the one the detector at `detector` was trained with.
    public func cropper(detector: String, override: String? = nil) throws -> RegionCropper {
        let run = RegionRun(override.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? self.run)
        let found = try run.identity()
        guard found == identity else { throw RegionError.regionChanged(run: detector, recorded: identity, found: found) }
        return RegionCropper(segmenter: try RegionSegmenter(run: run), margin: margin)
    }
}
