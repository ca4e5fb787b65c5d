import Foundation
import LoupeModels
import LoupeTensor

/// Teacher features of single images on disk, so a second training on the same images
/// (another seed, more epochs, a resumed run) skips the teacher. An entry's name hashes
/// everything the features depend on: the teacher's weights file, the backbone, the
/// preprocessing and the image file's bytes; a changed image or teacher simply misses.
public struct FeatureStore: Sendable {
    public let directory: String
    private let teacherKey: ContentHash

    /// `$LOUPE_CACHE/features`, else `~/.cache/loupe/features`.
    public static var defaultDirectory: String {
        if let folder = ProcessInfo.processInfo.environment["LOUPE_CACHE"], !folder.isEmpty { return folder + "/features" }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/features").path
    }

    public init(directory: String = FeatureStore.defaultDirectory, teacherWeights: String, backbone: BackboneName, preprocessing: Preprocessing) throws {
        self.directory = directory
        var key = ContentHash()
        key.add(String(try ContentHash.ofFile(teacherWeights)))
        key.add(backbone.rawValue)
        key.add("\(preprocessing.size) \(preprocessing.normalization.rawValue)")
        if let tiling = preprocessing.tiling { key.add("tiles \(tiling.size)/\(tiling.overlap)") }
        teacherKey = key
    }

    /// The entry file for an image (hashing its bytes), or for a part of it (`variant`, e.g.
    /// which tile).
    public func entry(forImage path: String, variant: String = "") throws -> String {
        var key = teacherKey
        key.add(String(try ContentHash.ofFile(path)))
        if !variant.isEmpty { key.add(variant) }
        return directory + "/" + key.hex + ".safetensors"
    }

    /// The stored per-scale features (each 1×C×h×w), or nil when absent or unreadable
    /// (a damaged entry is recomputed, never trusted).
    public func load(_ entry: String) -> [Tensor]? {
        guard FileManager.default.fileExists(atPath: entry), let file = try? SafeTensors(contentsOf: entry) else { return nil }
        let scales = (0..<file.tensors.count).compactMap { file.tensors["scale\($0)"] }
        return scales.count == file.tensors.count && !scales.isEmpty ? scales : nil
    }

    /// Writes an entry atomically; a full disk only costs the cache, so failures are
    /// reported to the caller to ignore or show.
    public func save(_ features: [Tensor], to entry: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var file = SafeTensors()
        for (scale, tensor) in features.enumerated() { file.tensors["scale\(scale)"] = tensor }
        try file.write(to: entry)
    }
}
