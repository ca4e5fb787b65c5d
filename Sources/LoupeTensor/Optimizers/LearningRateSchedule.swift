import Foundation

/// The learning rate as a function of the step (or epoch) index, starting at 0.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

/// A fixed rate.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Float
    public init(_ rate: Float) { self.rate = rate }
    public func learningRate(at step: Int) -> Float { rate }
}

/// Cosine annealing from `base` to `minimum` over `period` steps, then back up over as many
/// again, and so on (`CosineAnnealingLR`'s closed form, which PyTorch follows past `T_max`:
/// paper 001 anneals with a period of 32 over 200 epochs).
public struct CosineAnnealingSchedule: LearningRateSchedule {
    public let base: Float, minimum: Float, period: Int

    public init(base: Float, period: Int, minimum: Float = 0) {
        invariant(period > 0, "CosineAnnealingSchedule: period must be positive, got \(period)")
        self.base = base; self.period = period; self.minimum = minimum
    }

    public func learningRate(at step: Int) -> Float {
        minimum + (base - minimum) * Float((1 + cos(Double.pi * Double(step) / Double(period))) / 2)
    }
}

/// Multiplies `base` by `factor` every `interval` steps (`StepLR`).
public struct StepDecaySchedule: LearningRateSchedule {
    public let base: Float, interval: Int, factor: Float

    public init(base: Float, interval: Int, factor: Float = 0.1) {
        invariant(interval > 0, "StepDecaySchedule: interval must be positive, got \(interval)")
        self.base = base; self.interval = interval; self.factor = factor
    }

    public func learningRate(at step: Int) -> Float {
        base * Foundation.pow(factor, Float(step / interval))
    }
}

/// Linear warm-up from `startFactor`·rate to the full rate over `steps` steps, then the
/// wrapped schedule (counted from the end of the warm-up), as `LinearLR` + `SequentialLR`.
public struct WarmupSchedule: LearningRateSchedule {
    public let steps: Int, startFactor: Float
    public let then: any LearningRateSchedule

    public init(steps: Int, startFactor: Float = 0.1, then: any LearningRateSchedule) {
        invariant(steps >= 0, "WarmupSchedule: steps must not be negative, got \(steps)")
        self.steps = steps; self.startFactor = startFactor; self.then = then
    }

    public func learningRate(at step: Int) -> Float {
        guard step < steps else { return then.learningRate(at: step - steps) }
        let factor = startFactor + (1 - startFactor) * Float(step) / Float(steps)
        return then.learningRate(at: 0) * factor
    }
}
