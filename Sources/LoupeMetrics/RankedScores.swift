/// Scores sorted once, descending, with ties grouped: every threshold metric walks these
/// groups ("score ≥ t" for each distinct t), so ties are exact and the cost is one sort,
/// O(n log n).
struct RankedScores {
    /// Indices into the original arrays, by descending score (stable).
    let order: [Int]
    /// For each group of equal scores: the end (exclusive) of the group in `order`.
    let groupEnds: [Int]
    let scores: [Float]

    init(_ scores: [Float]) {
        self.scores = scores
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var ends: [Int] = []
        for position in 1..<max(order.count, 1) where scores[order[position]] != scores[order[position - 1]] {
            ends.append(position)
        }
        if !order.isEmpty { ends.append(order.count) }
        self.order = order
        groupEnds = ends
    }

    /// Calls `body(threshold, indicesInGroup)` for each distinct score, highest first.
    func forEachThreshold(_ body: (Float, ArraySlice<Int>) -> Void) {
        var start = 0
        for end in groupEnds {
            body(scores[order[start]], order[start..<end])
            start = end
        }
    }
}
