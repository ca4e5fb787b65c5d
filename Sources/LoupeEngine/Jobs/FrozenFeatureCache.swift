import LoupeTensor

/// What a network frozen through one training stage computes from each good training unit
/// (`DistillationModel.frozenFeatures(ofGoodImages:stage:)`), kept in memory so every epoch
/// after the stage's first skips that network on the good half of its batches. Units are
/// kept while the budget lasts; the rest are computed again each time.
final class FrozenFeatureCache {
    let stage: Int
    let budget: Int
    /// Bytes of the features kept.
    private(set) var bytes = 0
    /// Per unit index, one 1×C×h×w tensor per scale.
    private var kept: [Int: [Tensor]] = [:]

    init(stage: Int, budget: Int) {
        self.stage = stage
        self.budget = budget
    }

    /// The features of `units` (one row each, in order, per scale): all kept ones, or
    /// `compute()` for the whole batch, whose rows are then kept while they fit. Nil when
    /// `compute` has nothing (the model keeps nothing frozen in this stage).
    func features(of units: [Int], compute: () -> [Tensor]?) -> [Tensor]? {
        let found = units.compactMap { kept[$0] }
        if !units.isEmpty, found.count == units.count {
            return found[0].indices.map { scale in Tensor.concatenate(found.map { $0[scale] }, alongAxis: 0) }
        }
        guard let computed = compute() else { return nil }
        for (row, unit) in units.enumerated() where kept[unit] == nil {
            let own = computed.map { $0.sliced(alongAxis: 0, row..<(row + 1)) }
            let size = own.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
            guard bytes + size <= budget else { break }
            kept[unit] = own
            bytes += size
        }
        return computed
    }
}
