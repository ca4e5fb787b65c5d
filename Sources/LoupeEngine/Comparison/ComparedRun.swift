/// One trained and evaluated run of a comparison: eval's metrics and what the run cost.
public struct ComparedRun: Sendable, Equatable {
    public let variant: ComparisonVariant
    public let seed: UInt64
    public let metrics: EvaluationMetrics
    /// Median seconds per epoch (train-log.csv).
    public let epochSeconds: Double?
    /// The highest resident memory of its training and evaluation processes.
    public let peakMemoryBytes: Int?

    public init(variant: ComparisonVariant, seed: UInt64, metrics: EvaluationMetrics, epochSeconds: Double?, peakMemoryBytes: Int?) {
        (self.variant, self.seed, self.metrics, self.epochSeconds, self.peakMemoryBytes) = (variant, seed, metrics, epochSeconds, peakMemoryBytes)
    }
}
