import Foundation

// Training losses: each returns the mean over its elements as a rank-0 tensor.

extension Tensor {
    /// Element-wise BCE of logits against targets in [0, 1], computed stably; the gradient
    /// flows to the logits only.
    public func binaryCrossEntropyElements(withLogitsTargets targets: Tensor) -> Tensor {
        invariant(shape == targets.shape, "binaryCrossEntropy: logits \(shape) and targets \(targets.shape) differ")
        let x = detached, t = targets.detached
        let loss = Tensor.combine(x, t, op: "binaryCrossEntropy") { v, y in
            Swift.max(v, 0) - v * y + Foundation.log1p(Foundation.exp(-Swift.abs(v)))
        }
        return loss.recorded(from: [self]) { g in
            let probabilities = withoutGradients { x.sigmoid() }
            return [g * (probabilities - t)]
        }
    }
}

public enum Loss {
    /// Σ-free RD loss for one scale: mean over pixels of 1 − cos(teacher, student) taken
    /// along channels.
    public static func cosineDistance(_ teacher: Tensor, _ student: Tensor) -> Tensor {
        (1 - teacher.cosineSimilarity(student)).mean()
    }

    /// Mean binary cross-entropy of logits against targets.
    public static func binaryCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
        logits.binaryCrossEntropyElements(withLogitsTargets: targets).mean()
    }

    /// Sigmoid focal loss (Lin et al.), as torchvision's `sigmoid_focal_loss` with mean
    /// reduction: BCE · (1 − p_t)^γ, weighted by α_t when `alpha` ≥ 0.
    public static func focal(logits: Tensor, targets: Tensor, alpha: Float = 0.25, gamma: Float = 2) -> Tensor {
        let p = logits.sigmoid()
        let t = targets.detached
        let crossEntropy = logits.binaryCrossEntropyElements(withLogitsTargets: t)
        let pT = p * t + (1 - p) * (1 - t)
        var loss = crossEntropy * (1 - pT).pow(gamma)
        if alpha >= 0 { loss = loss * (alpha * t + (1 - alpha) * (1 - t)) }
        return loss.mean()
    }

    /// Mean absolute error.
    public static func l1(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        (prediction - target).abs().mean()
    }

    /// Mean squared error.
    public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        let difference = prediction - target
        return (difference * difference).mean()
    }
}
