import LoupeTensor

/// What a network frozen through one training stage computes from each good training unit
/// (`DistillationModel.frozenFeatures(ofGoodImages:stage:)`), kept in memory so every epoch
/// after a unit's first in the stage skips that network on it. Units are kept while the
/// budget lasts; the rest are computed again each time.
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

    /// The features of `units` (one row each, in order, per scale): the kept ones as kept,
    /// the others from `compute(positions)` (their positions in `units`, in order; a row
    /// each), which are then kept while they fit. Nil when `compute` has nothing (the model
    /// keeps nothing frozen in this stage). A run sampling a few tiles of each image per
    /// epoch meets most units one by one, so a batch is rarely all kept or all new.
    func features(of units: [Int], compute: ([Int]) -> [Tensor]?) -> [Tensor]? {
        let missing = units.indices.filter { kept[units[$0]] == nil }
        var fresh: [Int: [Tensor]] = [:]
        if !missing.isEmpty {
            guard let computed = compute(missing) else { return nil }
            for (row, position) in missing.enumerated() {
                let own = computed.map { $0.sliced(alongAxis: 0, row..<(row + 1)) }
                fresh[position] = own
                let size = own.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
                if bytes + size <= budget {
                    kept[units[position]] = own
                    bytes += size
                }
            }
            if missing.count == units.count { return computed }
        }
        let rows = units.indices.map { fresh[$0] ?? kept[units[$0]] ?? [] }
        return rows[0].indices.map { scale in Tensor.concatenate(rows.map { $0[scale] }, alongAxis: 0) }
    }
}
