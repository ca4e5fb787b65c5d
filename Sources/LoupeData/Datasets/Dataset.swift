import Foundation

/// The images of one inspection task: good training images and labelled test images.
///
/// Three layouts are read (`DatasetLayout`): MVTec AD folders, a split CSV as VisA ships
/// it, and plain folders. Only paths are held; images are decoded when loaded, so folders of
/// any size fit. Files that are not images are skipped and listed in `skipped`.
public struct Dataset: Sendable {
    public static let goodKind = "good"

    public let root: String
    public let layout: DatasetLayout
    /// How the user named the data set; runs record it.
    public let source: DatasetSource
    public let samples: [Sample]
    /// Files found that the layout expects but cannot pair (masks without an image).
    public let orphanMasks: [String]
    /// Files in the data set's folders that are not images (`data check` names them).
    public let skipped: [SkippedFile]
    /// Masks found lying beside their images in an image folder (plain folders), left out
    /// of the images.
    public let masksBesideImages: Int

    public var trainSamples: [Sample] { samples.filter { $0.split == .train } }
    /// The folder good training images are read from, where new ones may be added (nil for
    /// a split table, whose CSV decides what trains).
    public var trainingFolder: String? {
        switch layout {
        case .mvtec, .mvtecAD2, .mvtecLOCO: return root + "/train/good"
        case .btad: return root + "/train/ok"
        case .kolektor: return nil
        case .folders: return root
        case .splitTable: return nil
        }
    }
    public var testSamples: [Sample] { samples.filter { $0.split == .test } }

    init(root: String, layout: DatasetLayout, source: DatasetSource, samples: [Sample], orphanMasks: [String] = [],
         skipped: [SkippedFile] = [], masksBesideImages: Int = 0) {
        self.masksBesideImages = masksBesideImages
        self.root = root
        self.layout = layout
        self.source = source
        self.samples = samples
        self.orphanMasks = orphanMasks
        self.skipped = skipped
    }

    /// The data set at `path`, its layout found by looking: a folder with `train/good` is
    /// MVTec AD; a `.csv` file is a split table; a VisA object folder (`Data/Images`) uses
    /// `split_csv/1cls.csv` beside it, keeping its own object's rows.
    public static func open(_ path: String) throws -> Dataset {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { throw DatasetError.missingFolder(path: path, role: "data set") }
        if !isDirectory.boolValue {
            guard path.lowercased().hasSuffix(".csv") else { throw DatasetError.unknownLayout(path: path) }
            return try splitTable(path, object: nil)
        }
        if files.fileExists(atPath: path + "/train/good") {
            if files.fileExists(atPath: path + "/test_public") { return try mvtec(root: path, layout: .mvtecAD2) }
            return try mvtec(root: path, layout: Self.hasMaskFolders(path) ? .mvtecLOCO : .mvtec)
        }
        if files.fileExists(atPath: path + "/train/ok") { return try mvtec(root: path, good: "ok", layout: .btad) }
        if KolektorLayout.isKolektor(path) { return try kolektor(root: path) }
        let parent = (path as NSString).deletingLastPathComponent
        if files.fileExists(atPath: path + "/Data/Images") {
            let table = (parent.isEmpty ? "." : parent) + "/split_csv/1cls.csv"
            guard files.fileExists(atPath: table) else { throw DatasetError.missingSplitTable(path: path, expected: table) }
            return try splitTable(table, object: (path as NSString).lastPathComponent, source: .path(path))
        }
        if files.fileExists(atPath: path + "/split_csv/1cls.csv") {
            let objects = Set(try SplitTable(path: path + "/split_csv/1cls.csv").rows.compactMap(\.object)).sorted()
            throw DatasetError.severalObjects(path: path, objects: objects)
        }
        throw DatasetError.unknownLayout(path: path)
    }

    /// Reads an MVTec AD layout under `root`, or one of its relatives (`layout`): BTAD
    /// (`NN/train/ok`, `NN/test/ok|ko`, `NN/ground_truth/ko/<stem>.png|bmp`) names `good`
    /// `ok`; MVTec AD 2 keeps its labelled test set in `test_public/` with `ground_truth/`
    /// inside it (its private test sets have no labels, and `validation/good` is not read);
    /// MVTec LOCO keeps a folder of masks per image (`ground_truth/<kind>/<stem>/000.png`, their union).
    public static func mvtec(root: String, good: String = goodKind, layout: DatasetLayout = .mvtec) throws -> Dataset {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.missingFolder(path: root, role: "data set")
        }
        let trainGood = root + "/train/" + good
        guard files.fileExists(atPath: trainGood) else { throw DatasetError.unknownLayout(path: root) }
        let test = root + (layout == .mvtecAD2 ? "/test_public" : "/test")
        let groundTruth = (layout == .mvtecAD2 ? test : root) + "/ground_truth"
        var skipped: [SkippedFile] = []
        func list(_ folder: String) -> [String] {
            let listing = ImageListing(folder: folder)
            skipped += listing.skipped
            return listing.images
        }
        var samples = list(trainGood).map { Sample(path: $0, split: .train, kind: goodKind) }
        var usedMasks = Set<String>()
        var allMasks: [String] = []
        var masksByKind: [String: [String: String]] = [:]
        for kind in listFolders(groundTruth) {
            // A folder per image (LOCO) is that image's mask; else the kind's mask files.
            let folders = listFolders(groundTruth + "/" + kind)
            let masks = layout == .mvtecLOCO ? folders.map { groundTruth + "/" + kind + "/" + $0 } : list(groundTruth + "/" + kind)
            allMasks += masks
            masksByKind[kind] = Dictionary(masks.map { (layout == .mvtecLOCO ? ($0 as NSString).lastPathComponent : $0.fileStem, $0) },
                                           uniquingKeysWith: { a, _ in a })
        }
        for kind in listFolders(test) where !(layout == .mvtecAD2 && kind == "ground_truth") {
            let masks = masksByKind[kind] ?? [:]
            for path in list(test + "/" + kind) {
                let mask = kind == good ? nil : masks[path.fileStem + "_mask"] ?? masks[path.fileStem]
                if let mask { usedMasks.insert(mask) }
                samples.append(Sample(path: path, split: .test, kind: kind == good ? goodKind : kind, maskPath: mask))
            }
        }
        return Dataset(root: root, layout: layout, source: .path(root), samples: samples,
                       orphanMasks: allMasks.filter { !usedMasks.contains($0) }, skipped: skipped)
    }

    /// Whether `root/ground_truth` holds a folder of masks per image (MVTec LOCO), not mask files.
    static func hasMaskFolders(_ root: String) -> Bool {
        listFolders(root + "/ground_truth").contains { !listFolders(root + "/ground_truth/" + $0).isEmpty }
    }

    /// Reads a split table: rows with split `train`/`test`, label `normal` (or `good`) or a
    /// defect label (VisA: `anomaly`), image and mask paths relative to the table's data set
    /// root (the folder above `split_csv/`, else the table's own folder). `object` keeps
    /// one object's rows; a table of several objects needs it.
    public static func splitTable(_ path: String, object: String?, source: DatasetSource? = nil) throws -> Dataset {
        let table = try SplitTable(path: path)
        let folder = (path as NSString).deletingLastPathComponent
        let root = (folder as NSString).lastPathComponent == "split_csv" ? (folder as NSString).deletingLastPathComponent : folder
        func resolve(_ relative: String) -> String { relative.hasPrefix("/") ? relative : (root.isEmpty ? "." : root) + "/" + relative }
        var rows = table.rows
        let objects = Set(rows.compactMap(\.object)).sorted()
        if let object {
            guard objects.contains(object) else { throw DatasetError.unknownObject(path: path, object: object, objects: objects) }
            rows = rows.filter { $0.object == object }
        } else if objects.count > 1 {
            throw DatasetError.severalObjects(path: path, objects: objects)
        }
        let samples = try rows.map { row -> Sample in
            guard let split = Sample.Split(rawValue: row.split) else {
                throw DatasetError.badSplitTable(path: path, line: row.line, problem: "split '\(row.split)' is neither train nor test")
            }
            let good = ["normal", "good", "ok"].contains(row.label)
            return Sample(path: resolve(row.image), split: split, kind: good ? goodKind : row.label,
                          maskPath: good ? nil : row.mask.map(resolve))
        }
        let missing = samples.flatMap { [$0.path] + ($0.maskPath.map { [$0] } ?? []) }.filter { !FileManager.default.fileExists(atPath: $0) }
        if let first = missing.first { throw DatasetError.missingListedFiles(table: path, first: first, count: missing.count) }
        return Dataset(root: root, layout: .splitTable, source: source ?? .path(path), samples: samples)
    }

    /// Reads plain folders: every image in `good` is training data unless `testGood` names a
    /// separate folder; images in `defect` are test defects with masks found in `masks` by
    /// `maskPattern` (`{stem}` is replaced by the image's name without extension).
    ///
    /// Masks may lie beside their images (`NAME.jpg` and `NAME.png` in one folder, as many
    /// published sets and KolektorSDD keep them): a file that is the mask of another image of
    /// the same folder, by `maskPattern`, is a mask and never an image, in every folder.
    public static func folders(_ folders: PlainFolders) throws -> Dataset {
        var skipped: [SkippedFile] = []
        var masksBeside: [String] = []
        func require(_ folder: String, role: String) throws -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw DatasetError.missingFolder(path: folder, role: role)
            }
            let listing = ImageListing(folder: folder)
            skipped += listing.skipped
            let masks = folders.masksBeside(listing.images)
            masksBeside += masks
            var images: [String] = []
            for path in listing.images where !masks.contains(path) {
                if folders.hasAllowedExtension(path) {
                    images.append(path)
                } else {
                    skipped.append(SkippedFile(path: path, reason: "not among --extensions \(folders.extensions?.joined(separator: ",") ?? "")"))
                }
            }
            guard !images.isEmpty else { throw DatasetError.noImages(path: folder, role: role) }
            return images
        }
        var samples = try require(folders.good, role: "good").map { Sample(path: $0, split: .train, kind: goodKind) }
        if let testGood = folders.testGood {
            samples += try require(testGood, role: "test good").map { Sample(path: $0, split: .test, kind: goodKind) }
        }
        var usedMasks = Set<String>()
        if let defect = folders.defect {
            for path in try require(defect, role: "defect") {
                var mask: String?
                if let masks = folders.masks {
                    let candidate = masks + "/" + folders.maskPattern.replacingOccurrences(of: "{stem}", with: path.fileStem)
                    if FileManager.default.fileExists(atPath: candidate) { mask = candidate; usedMasks.insert(candidate) }
                }
                samples.append(Sample(path: path, split: .test, kind: "defect", maskPath: mask))
            }
        }
        // A masks folder that is also an image folder holds images too: those are no orphans.
        let images = Set(samples.map(\.path)), beside = Set(masksBeside)
        let orphans = folders.masks.map { ImageListing(folder: $0).images.filter { !usedMasks.contains($0) && !images.contains($0) && !beside.contains($0) } } ?? []
        return Dataset(root: folders.good, layout: .folders, source: .folders(folders), samples: samples, orphanMasks: orphans, skipped: skipped,
                       masksBesideImages: masksBeside.count)
    }

    /// Images directly in `folder`, sorted by name (empty when the folder is missing).
    public static func listImages(_ folder: String) -> [String] { ImageListing(folder: folder).images }

    /// Sub-folders of `folder`, sorted ("good", or BTAD's "ok", first).
    static func listFolders(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let folders = names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        func rank(_ name: String) -> Int { name == goodKind || name == "ok" ? 0 : 1 }
        return folders.sorted { (rank($0), $0) < (rank($1), $1) }
    }
}

/// How a data set's files are arranged; `data check` says which it found.
public enum DatasetLayout: String, Sendable {
    case mvtec = "MVTec AD folders"
    case mvtecAD2 = "MVTec AD 2 folders (test_public)"
    case mvtecLOCO = "MVTec LOCO folders (a mask folder per image)"
    case btad = "BTAD folders"
    case kolektor = "KolektorSDD (image and _label mask per part)"
    case splitTable = "split CSV (VisA)"
    case folders = "plain folders"
}

extension String {
    /// The file name without folder and extension.
    var fileStem: String { (split(separator: "/").last.map(String.init) ?? self).removingExtension }
}
