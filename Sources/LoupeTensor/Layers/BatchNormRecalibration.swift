extension Module {
    /// Every `BatchNorm2d` at or below this module, in tree order.
    public var batchNorms: [BatchNorm2d] {
        ((self as? BatchNorm2d).map { [$0] } ?? []) + namedChildren.flatMap { $0.1.batchNorms }
    }

    /// Replaces every BatchNorm's running statistics by the average of its batch statistics
    /// over one pass with the current weights ("precise BN", Wu & Johnson 2021), each batch
    /// weighted by its size: `forward(i)` runs batch i of `batchSizes.count`.
    ///
    /// Running statistics are a moving average over the last few dozen steps' weights; when
    /// those steps moved the network, they describe a network that no longer exists.
    /// Forward passes run in training mode without gradients; the mode is restored after.
    public func recalibrateBatchNorms(batchSizes: [Int], forward: (Int) throws -> Void) rethrows {
        let norms = batchNorms
        let momenta = norms.map(\.momentum)
        let wasTraining = isTraining
        train()
        defer {
            for (norm, momentum) in zip(norms, momenta) { norm.momentum = momentum }
            train(wasTraining)
        }
        var seen = 0
        for (index, size) in batchSizes.enumerated() where size > 0 {
            seen += size
            // The cumulative mean: the first batch replaces the old statistics outright.
            for norm in norms { norm.momentum = Float(size) / Float(seen) }
            try withoutGradients { try forward(index) }
        }
    }
}
