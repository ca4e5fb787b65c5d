import Foundation

/// The images of one inspection task: good training images and labelled test images.
///
/// Two layouts are read: MVTec AD (`train/good`, `test/<kind>`,
/// `ground_truth/<kind>/<stem>_mask.png`) and plain folders (a good folder, a defect folder,
/// an optional mask folder whose names follow a pattern such as `{stem}_mask.png`).
/// Only paths are held; images are decoded when loaded, so folders of any size fit.
public struct Dataset: Sendable {
    public static let goodKind = "good"

    public let root: String
    public let samples: [Sample]
    /// Files found that the layout expects but cannot pair (masks without an image).
    public let orphanMasks: [String]

    public var trainSamples: [Sample] { samples.filter { $0.split == .train } }
    public var testSamples: [Sample] { samples.filter { $0.split == .test } }

    /// Reads an MVTec AD layout under `root`.
    public static func mvtec(root: String) throws -> Dataset {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.missingFolder(path: root, role: "data set")
        }
        let trainGood = root + "/train/good"
        guard files.fileExists(atPath: trainGood) else { throw DatasetError.unknownLayout(path: root) }
        var samples = listImages(trainGood).map { Sample(path: $0, split: .train, kind: goodKind) }
        var usedMasks = Set<String>()
        for kind in listFolders(root + "/test") {
            let masks = Dictionary(listImages(root + "/ground_truth/" + kind).map { ($0.fileStem, $0) }, uniquingKeysWith: { a, _ in a })
            for path in listImages(root + "/test/" + kind) {
                let mask = kind == goodKind ? nil : masks[path.fileStem + "_mask"] ?? masks[path.fileStem]
                if let mask { usedMasks.insert(mask) }
                samples.append(Sample(path: path, split: .test, kind: kind, maskPath: mask))
            }
        }
        let allMasks = listFolders(root + "/ground_truth").flatMap { listImages(root + "/ground_truth/" + $0) }
        return Dataset(root: root, samples: samples, orphanMasks: allMasks.filter { !usedMasks.contains($0) })
    }

    /// Reads plain folders: every image in `good` is training data unless `testGood` names a
    /// separate folder; images in `defect` are test defects with masks found in `masks` by
    /// `maskPattern` (`{stem}` is replaced by the image's name without extension).
    public static func folders(good: String, defect: String?, testGood: String? = nil, masks: String? = nil,
                               maskPattern: String = "{stem}_mask.png") throws -> Dataset {
        let goodImages = try requireImages(good, role: "good")
        var samples = goodImages.map { Sample(path: $0, split: .train, kind: goodKind) }
        if let testGood {
            samples += try requireImages(testGood, role: "test good").map { Sample(path: $0, split: .test, kind: goodKind) }
        }
        var usedMasks = Set<String>()
        if let defect {
            for path in try requireImages(defect, role: "defect") {
                var mask: String?
                if let masks {
                    let candidate = masks + "/" + maskPattern.replacingOccurrences(of: "{stem}", with: path.fileStem)
                    if FileManager.default.fileExists(atPath: candidate) { mask = candidate; usedMasks.insert(candidate) }
                }
                samples.append(Sample(path: path, split: .test, kind: "defect", maskPath: mask))
            }
        }
        let orphans = masks.map { listImages($0).filter { !usedMasks.contains($0) } } ?? []
        return Dataset(root: good, samples: samples, orphanMasks: orphans)
    }

    private static func requireImages(_ folder: String, role: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.missingFolder(path: folder, role: role)
        }
        let images = listImages(folder)
        guard !images.isEmpty else { throw DatasetError.noImages(path: folder, role: role) }
        return images
    }

    /// PNG files directly in `folder`, sorted by name (empty when the folder is missing).
    public static func listImages(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }
    }

    /// Sub-folders of `folder`, sorted ("good" first).
    static func listFolders(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let folders = names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        return folders.sorted { ($0 == goodKind ? 0 : 1, $0) < ($1 == goodKind ? 0 : 1, $1) }
    }
}

extension String {
    /// The file name without folder and extension.
    var fileStem: String { (split(separator: "/").last.map(String.init) ?? self).removingExtension }
}
