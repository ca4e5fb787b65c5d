import LoupeData
import LoupeTensor

/// What a network frozen through one training stage computes from each good training unit
/// (`DistillationModel.frozenFeatures(forStage:)`), computed once when the stage starts and
/// kept in memory for all its epochs, so they skip that network on the good half of every
/// batch. Units are computed in unit order, a batch at a time, while the budget lasts: the
/// same batches in a run and in its resumption, so the same bits. Units past the budget
/// are computed with their training batch each time.
final class FrozenFeatureCache {
    /// Bytes of the features kept.
    private(set) var bytes = 0
    /// Per unit index, one 1×C×h×w tensor per scale.
    private var kept: [Int: [Tensor]] = [:]
    private let network: (Tensor) -> [Tensor]

    /// Runs `network` over units 0..<`count` (`inputs` reads a batch of them), `batchSize`
    /// at a time, until `budget` bytes are kept; `progress(done)` after each batch, and
    /// `progress(count)` when the pass is over (also when the budget ended it early).
    init(network: @escaping (Tensor) -> [Tensor], count: Int, batchSize: Int, budget: Int,
         inputs: @escaping @Sendable (Range<Int>) throws -> Tensor, progress: (Int) -> Void, isCancelled: () -> Bool) throws {
        self.network = network
        let batches = (count + batchSize - 1) / batchSize
        let loader = PrefetchingLoader(count: batches, prefetch: 2) { batch in
            try inputs((batch * batchSize)..<min(count, (batch + 1) * batchSize))
        }
        var done = 0
        filling: for result in loader {
            if isCancelled() { throw RunError.cancelled }
            let features = network(try result.get())
            for row in 0..<features[0].shape[0] {
                let own = features.map { $0.sliced(alongAxis: 0, row..<(row + 1)) }
                let size = own.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
                guard bytes + size <= budget else { break filling }
                kept[done] = own
                bytes += size
                done += 1
            }
            progress(done)
        }
        if done < count { progress(count) }
    }

    /// The features of `units` (one row each, in order, per scale): the kept ones as kept,
    /// the others computed now from their rows of `images`, the batch's good inputs.
    func features(of units: [Int], images: Tensor) -> [Tensor] {
        let missing = units.indices.filter { kept[units[$0]] == nil }
        if missing.count == units.count { return network(images) }
        var fresh: [Int: [Tensor]] = [:]
        if !missing.isEmpty {
            let computed = network(Tensor.concatenate(missing.map { images.sliced(alongAxis: 0, $0..<($0 + 1)) }, alongAxis: 0))
            for (row, position) in missing.enumerated() { fresh[position] = computed.map { $0.sliced(alongAxis: 0, row..<(row + 1)) } }
        }
        let rows = units.indices.map { fresh[$0] ?? kept[units[$0]] ?? [] }
        return rows[0].indices.map { scale in Tensor.concatenate(rows.map { $0[scale] }, alongAxis: 0) }
    }
}
