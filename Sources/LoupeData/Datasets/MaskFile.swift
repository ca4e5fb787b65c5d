import Foundation
import LoupeImaging

/// A ground-truth mask as a data set stores it: one image, or a folder of images whose
/// union is the mask (MVTec LOCO keeps one file per defect region, `ground_truth/<kind>/<stem>/000.png`).
public enum MaskFile {
    /// The image files of the mask at `path` (the file itself, or a folder's images in name order).
    public static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        return ImageListing(folder: path).images
    }

    /// The mask's size; every file of a folder mask must share it.
    public static func dimensions(_ path: String) throws -> (width: Int, height: Int) {
        let parts = files(path)
        guard let first = parts.first else { throw DatasetError.emptyMaskFolder(path: path) }
        let size = try ImageFile.dimensions(first)
        for part in parts.dropFirst() {
            let other = try ImageFile.dimensions(part)
            guard other == size else {
                throw DatasetError.maskSizeMismatch(mask: part, maskSize: "\(other.width)x\(other.height)", image: first, imageSize: "\(size.width)x\(size.height)")
            }
        }
        return size
    }

    /// The mask at `path` resized (nearest) to width×height, row-major: a pixel is a defect
    /// where any file marks it (above 127 in a 0–255 mask, above 0 in a 0/1 one).
    public static func read(_ path: String, width: Int, height: Int) throws -> [Bool] {
        let parts = files(path)
        guard !parts.isEmpty else { throw DatasetError.emptyMaskFolder(path: path) }
        var union = [Bool](repeating: false, count: width * height)
        for part in parts {
            let pixels = try ImageFile.read(part).grey().resizedNearest(width: width, height: height).pixels
            let cut: Float = (pixels.max() ?? 0) > 127 ? 127 : 0
            for index in union.indices where pixels[index] > cut { union[index] = true }
        }
        return union
    }
}
