/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// The step size; schedules set it before each step.
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient before the next backward pass.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// Per-parameter optimiser state (momentum, moments), created on a parameter's first step.
struct OptimizerSlots {
    private(set) var slots: [[Float]?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Runs `body` on parameter `index`'s slot (created as `count` zeros on first use; the
    /// flag says so).
    mutating func withSlot<R>(_ index: Int, count: Int, _ body: (inout [Float], Bool) -> R) -> R {
        let isNew = slots[index] == nil
        var slot = slots[index] ?? [Float](repeating: 0, count: count)
        slots[index] = nil
        defer { slots[index] = slot }
        return body(&slot, isNew)
    }

    /// The created slots as tensors named `prefix.index`, for checkpoints.
    func tensors(prefix: String) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, slot) in slots.enumerated() {
            if let slot { result["\(prefix).\(index)"] = Tensor(shape: [slot.count], scalars: slot) }
        }
        return result
    }

    /// Restores slots saved by `tensors(prefix:)`.
    mutating func restore(from tensors: [String: Tensor], prefix: String) {
        for index in slots.indices {
            slots[index] = tensors["\(prefix).\(index)"]?.scalars
        }
    }
}
