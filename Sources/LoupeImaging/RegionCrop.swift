import LoupeTensor

/// Where a part sits in a frame, as the box a detector looks at: the bounding box of the
/// part's mask widened by a margin and clamped to the frame. The crop goes to the detector
/// and its map is pasted back, so metrics, overlays and the console stay in frame pixels.
public struct RegionCrop: Equatable, Sendable, Codable {
    public let frameWidth: Int, frameHeight: Int
    public let x: Int, y: Int, width: Int, height: Int

    public init(frameWidth: Int, frameHeight: Int, x: Int, y: Int, width: Int, height: Int) {
        invariant(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= frameWidth && y + height <= frameHeight,
                  "RegionCrop: box \(width)x\(height) at (\(x), \(y)) is outside \(frameWidth)x\(frameHeight)")
        (self.frameWidth, self.frameHeight, self.x, self.y, self.width, self.height) = (frameWidth, frameHeight, x, y, width, height)
    }

    /// The box around the true pixels of `mask` (width×height, row-major), widened on each
    /// side by `margin` × the box's own size, clamped to the frame; nil when nothing is true.
    public static func around(mask: [Bool], width: Int, height: Int, margin: Double) -> RegionCrop? {
        var (left, top, right, bottom) = (width, height, -1, -1)
        for row in 0..<height {
            for column in 0..<width where mask[row * width + column] {
                (left, right) = (min(left, column), max(right, column))
                (top, bottom) = (min(top, row), max(bottom, row))
            }
        }
        guard right >= 0 else { return nil }
        let padX = Int((Double(right - left + 1) * margin).rounded()), padY = Int((Double(bottom - top + 1) * margin).rounded())
        let x0 = max(0, left - padX), y0 = max(0, top - padY)
        let x1 = min(width - 1, right + padX), y1 = min(height - 1, bottom + padY)
        return RegionCrop(frameWidth: width, frameHeight: height, x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
    }

    /// The box's part of `frame` (frame-sized).
    public func crop(_ frame: Image) -> Image {
        invariant(frame.width == frameWidth && frame.height == frameHeight,
                  "RegionCrop.crop: frame \(frame.width)x\(frame.height), expected \(frameWidth)x\(frameHeight)")
        return frame.cropped(x: x, y: y, width: width, height: height)
    }

    /// A frame-sized map: `map` (mapWidth×mapHeight, covering the box) resized bilinearly to
    /// the box and placed there; `outside` everywhere else.
    public func pasteBack(_ map: [Float], width mapWidth: Int, height mapHeight: Int, outside: Float) -> [Float] {
        invariant(map.count == mapWidth * mapHeight, "RegionCrop.pasteBack: \(map.count) values for \(mapWidth)x\(mapHeight)")
        let boxed = mapWidth == width && mapHeight == height ? map
            : Tensor(shape: [1, 1, mapHeight, mapWidth], scalars: map).resizedBilinear(height: height, width: width).scalars
        var frame = [Float](repeating: outside, count: frameWidth * frameHeight)
        for row in 0..<height {
            let source = row * width, target = (y + row) * frameWidth + x
            frame.replaceSubrange(target..<(target + width), with: boxed[source..<(source + width)])
        }
        return frame
    }
}
