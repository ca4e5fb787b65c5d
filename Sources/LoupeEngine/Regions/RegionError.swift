import LoupeTensor

/// Why ROI training, evaluation or use cannot go on; each case names the file or folder.
public enum RegionError: UserInputError, Equatable {
    case noImages(folder: String)
    case missingMask(image: String, masks: String)
    /// A mask with no part pixel: the segmenter would learn that parts do not exist.
    case emptyMask(path: String)
    case tooFewFrames(count: Int)
    case notARegionRun(path: String)
    /// The ROI segmenter's encoder must be an EfficientNet-Lite teacher.
    case unsupportedBackbone(name: String)
    /// A detector trained with one ROI run used with another (or the run changed since).
    case regionChanged(run: String, recorded: String, found: String)
    /// A detector trained on whole frames asked to score ROI crops, or the other way round.
    case regionMismatch(run: String, detail: String)

    public var description: String {
        switch self {
        case let .noImages(folder): return "\(folder): no images"
        case let .missingMask(image, masks): return "\(image): no mask of the same name in \(masks)"
        case let .emptyMask(path): return "\(path): the mask is empty (no part pixel); draw the part in white"
        case let .tooFewFrames(count): return "\(count) frame\(count == 1 ? "" : "s") with a mask: the segmenter needs at least 2"
        case let .notARegionRun(path): return "\(path): not a ROI run (train one with `loupe roi train --run \(path)`)"
        case let .unsupportedBackbone(name):
            return "'\(name)' cannot be the ROI segmenter's encoder; use an EfficientNet-Lite (efficientnet-lite0 … lite4)"
        case let .regionChanged(run, recorded, found):
            return "\(run): trained with ROI segmenter \(recorded), but --roi is \(found); pass the ROI run it was trained with"
        case let .regionMismatch(run, detail): return "\(run): \(detail)"
        }
    }
}
