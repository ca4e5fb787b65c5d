import Foundation
import LoupeFormats
import LoupeModels
import LoupeTensor

/// Teacher features of single images on disk, so a second training on the same images
/// (another seed, more epochs, a resumed run) skips the teacher. An entry's name hashes
/// everything the features depend on: the teacher's weights file, the backbone, the
/// preprocessing and the image file's bytes; a changed image or teacher simply misses.
///
/// Each backbone of a teacher keeps entries of its own, so a two-teacher run reuses what a
/// one-teacher run of either backbone stored, and the other way round.
public struct FeatureStore: Sendable {
    public let directory: String
    /// Per backbone: the hash of what its features depend on besides the image.
    private let backboneKeys: [ContentHash]
    /// Per backbone, its channels at strides 4, 8, 16 (to split concatenated features).
    private let layout: TeacherLayout

    /// `$LOUPE_CACHE/features`, else `features` in the cache folder (`CacheFolder`: `$XDG_CACHE_HOME/loupe` or `~/.cache/loupe`).
    public static var defaultDirectory: String {
        if let folder = ProcessInfo.processInfo.environment["LOUPE_CACHE"], !folder.isEmpty { return folder + "/features" }
        return CacheFolder.root + "/features"
    }

    /// A store for `teacher`'s features (its weights files are hashed once, here).
    public init(directory: String = FeatureStore.defaultDirectory, teacher: Teacher, preprocessing: Preprocessing) throws {
        self.directory = directory
        layout = teacher.layout
        backboneKeys = try zip(teacher.layout.backbones, teacher.weights).map { backbone, weights in
            var key = ContentHash()
            key.add(String(try ContentHash.ofFile(weights)))
            key.add(backbone.rawValue)
            // Each backbone sees the pixels normalised its own way (`Teacher` converts).
            key.add("\(preprocessing.size) \(backbone.normalization.rawValue)")
            if let tiling = preprocessing.tiling { key.add("tiles \(tiling.size)/\(tiling.overlap)") }
            // Crops of another ROI run (or margin) are other inputs.
            if let region = preprocessing.region { key.add("roi \(region.segmenter.identity) \(region.margin)") }
            return key
        }
    }

    /// An image's entry: one file per backbone.
    public struct Entry: Sendable {
        public let files: [String]
    }

    /// The entry for an image (hashing its bytes), or for a part of it (`variant`, e.g.
    /// which tile).
    public func entry(forImage path: String, variant: String = "") throws -> Entry {
        let image = String(try ContentHash.ofImage(path))
        return Entry(files: backboneKeys.map { backboneKey in
            var key = backboneKey
            key.add(image)
            if !variant.isEmpty { key.add(variant) }
            return directory + "/" + key.hex + ".safetensors"
        })
    }

    /// Whether every backbone's file of `entry` is there (not whether it reads: `load` checks).
    public func contains(_ entry: Entry) -> Bool {
        entry.files.allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }

    /// The stored per-scale features (each 1×C×h×w, the backbones' concatenated), or nil
    /// when any part is absent or unreadable (a damaged entry is recomputed, never trusted).
    public func load(_ entry: Entry) -> [Tensor]? {
        var perBackbone: [[Tensor]] = []
        for (file, channels) in zip(entry.files, layout.channels) {
            guard FileManager.default.fileExists(atPath: file), let stored = try? SafeTensors(contentsOf: file) else { return nil }
            let scales = (0..<stored.tensors.count).compactMap { stored.tensors["scale\($0)"] }
            guard scales.count == 3, zip(scales, channels).allSatisfy({ $0.shape.count == 4 && $0.shape[1] == $1 }) else { return nil }
            perBackbone.append(scales)
        }
        guard perBackbone.count > 1 else { return perBackbone.first }
        return (0..<3).map { scale in Tensor.concatenate(perBackbone.map { $0[scale] }, alongAxis: 1) }
    }

    /// Writes an entry atomically, each backbone's channels to its own file; a full disk
    /// only costs the cache, so failures are reported to the caller to ignore or show.
    public func save(_ features: [Tensor], to entry: Entry) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, file) in entry.files.enumerated() {
            var stored = SafeTensors()
            for (scale, tensor) in features.enumerated() {
                let range = layout.channelRanges(scale: scale)[index]
                stored.tensors["scale\(scale)"] = layout.backbones.count == 1 ? tensor : tensor.sliced(alongAxis: 1, range)
            }
            try stored.write(to: file)
        }
    }
}
