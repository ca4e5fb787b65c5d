/// A trainable tensor: a leaf of every gradient computation it takes part in.
///
/// A class because optimisers, modules and checkpoints must all see the same tensor.
public final class Parameter: @unchecked Sendable {
    /// The current value; its gradient node persists across steps so gradients accumulate.
    public private(set) var value: Tensor
    /// False for frozen weights (e.g. a teacher network): no gradient is recorded.
    public var requiresGradient: Bool {
        didSet { value.gradientNode = requiresGradient ? GradientNode() : nil }
    }

    public init(_ value: Tensor, requiresGradient: Bool = true) {
        self.value = value.detached
        self.requiresGradient = requiresGradient
        if requiresGradient { self.value.gradientNode = GradientNode() }
    }

    public var shape: [Int] { value.shape }

    /// The gradient accumulated since the last `zeroGradient()`.
    public var gradient: Tensor? { value.gradientNode?.gradient }

    public func zeroGradient() { value.gradientNode?.clearGradient() }

    /// Replaces the values (same shape), keeping this parameter's identity: for loading
    /// weights and for optimiser steps.
    public func assign(_ newValue: Tensor) {
        invariant(newValue.shape == value.shape, "Parameter.assign: shape \(newValue.shape) differs from \(value.shape)")
        value.updateInPlace { target in
            newValue.withUnsafePointer { source in target.update(from: source, count: newValue.count) }
        }
    }

    /// Updates the values in place through `body`: for optimiser steps.
    public func update(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        value.updateInPlace(body)
    }
}

/// Non-trainable state saved with a module (BatchNorm's running statistics, counters).
public final class Buffer: @unchecked Sendable {
    public internal(set) var value: Tensor

    public init(_ value: Tensor) { self.value = value.detached }

    public func assign(_ newValue: Tensor) {
        invariant(newValue.shape == value.shape, "Buffer.assign: shape \(newValue.shape) differs from \(value.shape)")
        value.updateInPlace { target in
            newValue.withUnsafePointer { source in target.update(from: source, count: newValue.count) }
        }
    }
}
