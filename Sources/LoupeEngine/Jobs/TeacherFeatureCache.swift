import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// The teacher's features of every training unit, computed once (or read from a
/// `FeatureStore`) and kept in memory for every epoch; or, when they would take more than
/// the memory budget and a store holds them, read from the store a batch at a time (the
/// same float32 values, so the same losses bit for bit).
public struct TeacherFeatureCache {
    /// A quarter of the machine's memory: the rest is the model's, the loader's and the system's.
    public static var defaultMemoryBudget: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max))) }

    /// Where the features are between steps.
    private enum Storage {
        /// Per scale, all units: N×C×h×w.
        case inMemory([Tensor])
        /// In the store, one entry per unit.
        case streamed(FeatureStore, [FeatureStore.Entry])
    }
    private let storage: Storage

    /// Bytes the features of `count` inputs of `size`² take (float32 at strides 4, 8, 16).
    static func bytes(count: Int, size: Int, layout: TeacherLayout) -> Int {
        let perInput = zip(layout.stageChannels, [4, 8, 16]).reduce(0) { $0 + $1.0 * (size / $1.1) * (size / $1.1) }
        return count * perInput * MemoryLayout<Float>.stride
    }

    init(units: [TrainingUnit], teacher: Teacher, preprocessing: Preprocessing, store: FeatureStore?, batchSize: Int,
         memoryBudget: Int = TeacherFeatureCache.defaultMemoryBudget, events: (TrainingEvent) -> Void, isCancelled: () -> Bool) throws {
        let bytes = Self.bytes(count: units.count, size: preprocessing.size, layout: teacher.layout)
        let streaming = store != nil && bytes > memoryBudget
        if streaming { events(.streamingTeacherFeatures(bytes: bytes, budget: memoryBudget)) }
        // In memory: each unit's features are copied into place in per-scale N×C×h×w
        // tensors made at the first unit, so the set is never held twice.
        var filled: [Tensor] = []
        func place(_ own: [Tensor], at index: Int) {
            if filled.isEmpty { filled = own.map { Tensor.zeros([units.count] + $0.shape.dropFirst()) } }
            for scale in own.indices {
                let count = own[scale].count
                own[scale].withUnsafePointer { source in
                    filled[scale].withUnsafeMutablePointer { (destination: UnsafeMutablePointer<Float>) in
                        (destination + index * count).update(from: source, count: count)
                    }
                }
            }
        }
        var present = [Bool](repeating: false, count: units.count)
        var entries: [FeatureStore.Entry] = []
        if let store {
            for (index, unit) in units.enumerated() {
                let entry = try store.entry(forImage: unit.sample.path, variant: unit.storeVariant)
                entries.append(entry)
                if streaming {
                    present[index] = store.contains(entry)
                } else if let stored = store.load(entry) {
                    place(stored, at: index)
                    present[index] = true
                }
            }
        }
        let fromDisk = present.filter { $0 }.count
        let missing = present.indices.filter { !present[$0] }
        events(.cachingTeacherFeatures(done: fromDisk, total: units.count, fromDisk: fromDisk))
        // Each image is read once for all of its units (every tile of a frame) still missing.
        var missingByImage: [[Int]] = []
        for index in missing {
            if let last = missingByImage.last?.last, units[last].image == units[index].image {
                missingByImage[missingByImage.count - 1].append(index)
            } else {
                missingByImage.append([index])
            }
        }
        let groups = missingByImage
        let unitsPerImage = max(1, missing.count / max(1, groups.count))
        let loader = PrefetchingLoader(count: groups.count, prefetch: max(2, 2 * batchSize / unitsPerImage)) { group in
            let indices = groups[group]
            let prepared = try preprocessing.prepare(units[indices[0]].sample.path)
            return indices.map { (index: $0, input: units[$0].input(from: prepared, preprocessing)) }
        }
        var pending: [(index: Int, input: Tensor)] = []
        var done = fromDisk
        func flush() throws {
            guard !pending.isEmpty else { return }
            let features = withoutGradients { teacher.features(Tensor.concatenate(pending.map(\.input), alongAxis: 0)) }
            for (position, item) in pending.enumerated() {
                let own = features.map { $0.sliced(alongAxis: 0, position..<(position + 1)) }
                if streaming, let store {
                    // Streamed features must be in the store: a full disk stops training here.
                    try store.save(own, to: entries[item.index])
                } else {
                    place(own, at: item.index)
                    // A full or read-only cache disk costs only the cache.
                    if let store { try? store.save(own, to: entries[item.index]) }
                }
            }
            done += pending.count
            pending = []
            events(.cachingTeacherFeatures(done: done, total: units.count, fromDisk: fromDisk))
        }
        for result in loader {
            if isCancelled() { throw RunError.cancelled }
            for item in try result.get() {
                pending.append(item)
                if pending.count == batchSize { try flush() }
            }
        }
        try flush()
        storage = if streaming, let store { .streamed(store, entries) } else { .inMemory(filled) }
    }

    /// Bytes the features take in memory (none when streamed from the store).
    var bytesInMemory: Int {
        guard case let .inMemory(scales) = storage else { return 0 }
        return scales.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
    }

    /// The cached features of `indices`, as one batch per scale.
    func batch(_ indices: [Int]) throws -> [Tensor] {
        switch storage {
        case let .inMemory(scales):
            return scales.map { scale in Tensor.concatenate(indices.map { scale.sliced(alongAxis: 0, $0..<($0 + 1)) }, alongAxis: 0) }
        case let .streamed(store, entries):
            let loaded = try indices.map { index in
                guard let features = store.load(entries[index]) else { throw RunError.featureStoreEntryMissing(path: entries[index].files[0]) }
                return features
            }
            return (loaded.first ?? []).indices.map { scale in Tensor.concatenate(loaded.map { $0[scale] }, alongAxis: 0) }
        }
    }
}
