import Foundation
import LoupeImaging

/// The images in a folder, and the files beside them that are not, with why.
///
/// A file is an image when its first bytes are a known format's signature or its extension
/// is an image extension (so a frame whose header got corrupted is still listed, and its
/// decode error names it). So is a folder or a broken symbolic link named like an image
/// (`frame.png/`, a link loop): the user meant an image there, and reading it fails with the
/// reason instead of the data set silently shrinking. Other files — a `.gif`, a zero-byte
/// file, `Thumbs.db` — are skipped and named, never silently ignored.
public struct ImageListing: Sendable {
    public let images: [String]
    public let skipped: [SkippedFile]

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif", "bmp", "dib", "tif", "tiff"]

    /// Whether the file at `path` is taken for an image: not empty, and an image signature or
    /// an image extension.
    public static func isImage(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return false }
        return (attributes[.size] as? Int ?? 0) > 0 && (ImageFile.sniff(path) != nil || hasImageExtension(path))
    }

    /// Whether the name ends in an image extension (`.png`, `.JPG`, `.tiff`, …).
    static func hasImageExtension(_ path: String) -> Bool {
        imageExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Files directly in `folder`, sorted by name (empty when the folder is missing). Hidden
    /// files and sub-folders not named like images are passed over without a word.
    public init(folder: String) {
        let files = FileManager.default
        let names = ((try? files.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var images: [String] = [], skipped: [SkippedFile] = []
        for name in names {
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            let namedLikeImage = Self.hasImageExtension(name)
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
                // fileExists follows links: a link to nothing, or to itself, lands here.
                if let target = try? files.destinationOfSymbolicLink(atPath: path) {
                    if namedLikeImage {
                        images.append(path)
                    } else {
                        skipped.append(SkippedFile(path: path, reason: ImageFile.brokenLinkReason(target: target)))
                    }
                }
                continue
            }
            if isDirectory.boolValue {
                if namedLikeImage { images.append(path) }
                continue
            }
            if Self.isImage(path) {
                images.append(path)
            } else {
                skipped.append(SkippedFile(path: path, reason: ImageFile.whyNotImage(path)))
            }
        }
        self.images = images
        self.skipped = skipped
    }
}

/// A file a data set folder holds that Loupe does not read.
public struct SkippedFile: Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
