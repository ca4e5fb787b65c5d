import Foundation

/// Where a data set is, as a user names it: one path whose layout Loupe finds by looking
/// (`--data`), or plain folders (`--good`, `--defect`, `--masks`). Runs record it, so
/// `eval` and the console find the training data again.
public enum DatasetSource: Equatable, Sendable, CustomStringConvertible {
    /// An MVTec AD folder, a VisA object folder, or a split CSV file.
    case path(String)
    case folders(PlainFolders)

    /// Reads the data set's file lists (no image is decoded).
    public func open() throws -> Dataset {
        switch self {
        case let .path(path): return try Dataset.open(path)
        case let .folders(folders): return try Dataset.folders(folders)
        }
    }

    public var description: String {
        switch self {
        case let .path(path): return path
        case let .folders(folders): return folders.description
        }
    }
}

/// The plain folder layout: good images, defect images and their masks in folders of the
/// user's choosing.
public struct PlainFolders: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Good images; all train, unless `testGood` is given.
    public var good: String
    /// Defect images, tested.
    public var defect: String?
    /// Good images held out for testing (image-level metrics need them).
    public var testGood: String?
    /// Masks of the defect images, named by `maskPattern`.
    public var masks: String?
    /// A mask's file name; `{stem}` is the image's name without extension.
    public var maskPattern: String

    public static let defaultMaskPattern = "{stem}_mask.png"
    /// Only files with these extensions (".jpg", "png"; any case) are images of the image
    /// folders; nil: every image file.
    public var extensions: [String]?

    /// Whether `path` has one of `extensions` (always, when none are given).
    public func hasAllowedExtension(_ path: String) -> Bool {
        guard let extensions else { return true }
        let found = (path as NSString).pathExtension.lowercased()
        return extensions.contains { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) == found }
    }

    public init(good: String, defect: String? = nil, testGood: String? = nil, masks: String? = nil,
                maskPattern: String = PlainFolders.defaultMaskPattern) {
        self.good = good
        self.defect = defect
        self.testGood = testGood
        self.masks = masks
        self.maskPattern = maskPattern
    }

    /// The files of `images` (one folder's listing) that are the mask of another file of it
    /// by `maskPattern`: `Part0_label.bmp` beside `Part0.jpg`, `NAME.png` beside `NAME.jpg`.
    public func masksBeside(_ images: [String]) -> Set<String> {
        let names = Set(images)
        var masks: Set<String> = []
        for image in images where !masks.contains(image) {
            let folder = (image as NSString).deletingLastPathComponent
            let mask = folder + "/" + maskPattern.replacingOccurrences(of: "{stem}", with: image.fileStem)
            if mask != image, names.contains(mask) { masks.insert(mask) }
        }
        return masks
    }

    public var description: String {
        var parts = ["good \(good)"]
        if let testGood { parts.append("test good \(testGood)") }
        if let defect { parts.append("defect \(defect)") }
        if let masks { parts.append("masks \(masks)/\(maskPattern)") }
        return parts.joined(separator: ", ")
    }
}

extension DatasetSource {
    /// The same data set with its paths made absolute against the working folder, so runs
    /// that record it find it from any folder (`loupe compare`'s runs, opened later in the
    /// console from elsewhere).
    public var absolute: DatasetSource {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        switch self {
        case let .path(path): return .path(absolute(path))
        case var .folders(folders):
            folders.good = absolute(folders.good)
            folders.defect = folders.defect.map(absolute)
            folders.testGood = folders.testGood.map(absolute)
            folders.masks = folders.masks.map(absolute)
            return .folders(folders)
        }
    }
}
