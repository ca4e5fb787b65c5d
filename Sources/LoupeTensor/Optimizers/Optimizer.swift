/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// The step size; schedules set it before each step.
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Per-parameter state (moments, velocity), to save with a checkpoint so training resumes exactly.
    var state: [String: Tensor] { get }
    /// Restores `state` from a checkpoint of the same parameters.
    func restore(_ state: [String: Tensor])
}

extension Optimizer {
    /// Clears every parameter's gradient before the next backward pass.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// Per-parameter optimiser state (momentum, moments), created on a parameter's first step.
/// Held as tensors, whose storage stays put, so one parallel loop can update every
/// parameter's state at once.
struct OptimizerSlots {
    private(set) var slots: [Tensor?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Parameter `index`'s slot, created as `count` zeros on first use (the flag says so).
    mutating func slot(_ index: Int, count: Int) -> (values: Tensor, isNew: Bool) {
        if let slot = slots[index] { return (slot, false) }
        let slot = Tensor.zeros([count])
        slots[index] = slot
        return (slot, true)
    }

    /// Copies of the created slots, named `prefix.index`, for checkpoints.
    func tensors(prefix: String) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, slot) in slots.enumerated() {
            if let slot { result["\(prefix).\(index)"] = slot.copied() }
        }
        return result
    }

    /// Restores slots saved by `tensors(prefix:)`.
    mutating func restore(from tensors: [String: Tensor], prefix: String) {
        for index in slots.indices {
            slots[index] = tensors["\(prefix).\(index)"].map { Tensor(shape: [$0.count], scalars: $0.scalars) }
        }
    }
}
