import LoupeImaging

/// Finds the box a detector looks at in each frame: the largest connected part the ROI
/// segmenter marks (stray specks elsewhere would only widen the box), its bounding box
/// widened by `margin` × its size on each side.
public struct RegionCropper: Sendable {
    public let segmenter: RegionSegmenter
    public let margin: Double

    public static let defaultMargin = 0.1

    public init(segmenter: RegionSegmenter, margin: Double = RegionCropper.defaultMargin) {
        self.segmenter = segmenter
        self.margin = margin
    }

    /// The part's box in `frame`, or nil when the segmenter finds no part.
    public func crop(of frame: Image) -> RegionCrop? {
        let mask = Self.largestComponent(segmenter.mask(of: frame), width: frame.width, height: frame.height)
        return RegionCrop.around(mask: mask, width: frame.width, height: frame.height, margin: margin)
    }

    /// The largest 4-connected set of true pixels of `mask` (row-major), all else false.
    static func largestComponent(_ mask: [Bool], width: Int, height: Int) -> [Bool] {
        var label = [Int32](repeating: 0, count: mask.count)
        var best: (label: Int32, size: Int) = (0, 0)
        var next: Int32 = 0
        var stack: [Int] = []
        for start in mask.indices where mask[start] && label[start] == 0 {
            next += 1
            label[start] = next
            stack.append(start)
            var size = 0
            while let index = stack.popLast() {
                size += 1
                let (x, y) = (index % width, index / width)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let neighbour = ny * width + nx
                    if mask[neighbour] && label[neighbour] == 0 {
                        label[neighbour] = next
                        stack.append(neighbour)
                    }
                }
            }
            if size > best.size { best = (next, size) }
        }
        return label.map { $0 != 0 && $0 == best.label }
    }
}
