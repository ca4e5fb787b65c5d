/// Median, 99th percentile and slowest of a set of times in milliseconds: how the console's
/// `--frame-times` and `infer` report latency (nearest rank, no interpolation).
struct LatencySummary {
    let count: Int
    let median: Double
    let percentile99: Double
    let slowest: Double

    init?(milliseconds times: [Double]) {
        guard !times.isEmpty else { return nil }
        let sorted = times.sorted()
        count = sorted.count
        median = sorted[sorted.count / 2]
        percentile99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        slowest = sorted[sorted.count - 1]
    }
}
