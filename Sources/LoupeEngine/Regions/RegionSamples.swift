import Foundation
import LoupeData
import LoupeImaging

/// Frames and their part masks (white = part), paired by file name: `a.png` in the images
/// folder goes with the mask named `a` (any image extension) in the masks folder.
public struct RegionSamples: Sendable {
    public let pairs: [(image: String, mask: String)]

    /// Pairs every image of `images` with its mask in `masks`; throws naming the first
    /// image without a mask, or a mask of another size than its frame (headers only).
    public init(images: String, masks: String) throws {
        let frames = ImageListing(folder: images).images
        guard !frames.isEmpty else { throw RegionError.noImages(folder: images) }
        var byStem: [String: String] = [:]
        for mask in ImageListing(folder: masks).images { byStem[Self.stem(mask)] = mask }
        pairs = try frames.map { frame in
            guard let mask = byStem[Self.stem(frame)] else { throw RegionError.missingMask(image: frame, masks: masks) }
            try Preprocessing.checkMaskSize(mask, image: frame)
            return (frame, mask)
        }
    }

    static func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// The mask at `path` as booleans at width×height (nearest, > 127 is part); throws when
    /// no pixel is part.
    public static func mask(_ path: String, width: Int, height: Int) throws -> [Bool] {
        let mask = try Preprocessing.mask(path, width: width, height: height)
        guard mask.contains(true) else { throw RegionError.emptyMask(path: path) }
        return mask
    }
}
