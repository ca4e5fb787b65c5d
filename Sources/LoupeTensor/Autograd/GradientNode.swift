import Foundation

/// One recorded operation on the tape: its inputs' nodes and how to map the gradient of its
/// output to gradients of those inputs. A node with no inputs is a leaf (a parameter or an
/// input the caller asked gradients for) and keeps its accumulated gradient.
public final class GradientNode: @unchecked Sendable {
    let parents: [GradientNode?]
    /// Maps the output gradient to one gradient per parent (nil where a parent needs none).
    /// Cleared after use so saved tensors are freed.
    var propagate: ((Tensor) -> [Tensor?])?
    /// The accumulated gradient of the output of this node.
    public internal(set) var gradient: Tensor?
    /// The operation that made it, as a trace names it (set only while tracing, for profiles).
    var label: String?

    init(parents: [GradientNode?], propagate: ((Tensor) -> [Tensor?])?) {
        self.parents = parents
        self.propagate = propagate
    }

    /// A leaf: gradients accumulate here.
    convenience init() { self.init(parents: [], propagate: nil) }

    var isLeaf: Bool { parents.isEmpty }

    func accumulate(_ incoming: Tensor) {
        if var existing = gradient {
            gradient = nil
            invariant(existing.shape == incoming.shape,
                         "backward: gradient of shape \(incoming.shape) for a tensor of shape \(existing.shape)")
            let count = existing.count
            // Over the cores: residual and skip connections sum whole activation gradients here.
            existing.withUnsafeMutablePointer { target in
                incoming.withUnsafePointer { source in
                    Parallel.forChunks(of: count) { range in
                        for i in range { target[i] += source[i] }
                    }
                }
            }
            gradient = existing
        } else {
            gradient = incoming.detached
        }
    }

    func clearGradient() { gradient = nil }
}

extension Tensor {
    /// True when gradients flow back to this tensor.
    public var requiresGradient: Bool { gradientNode != nil }

    /// The gradient accumulated by `backward()`, for a tensor that requires one.
    public var gradient: Tensor? { gradientNode?.gradient }

    /// This tensor as a leaf of a new gradient computation.
    public func requiringGradient() -> Tensor {
        var leaf = detached
        leaf.gradientNode = GradientNode()
        return leaf
    }

    /// Records `propagate` as the backward rule of this freshly computed result of `inputs`,
    /// when gradients are enabled and any input requires them.

    public func recorded(from inputs: [Tensor], _ propagate: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradientMode.isEnabled, inputs.contains(where: { $0.gradientNode != nil }) else { return self }
        var result = self
        result.gradientNode = GradientNode(parents: inputs.map(\.gradientNode), propagate: propagate)
        return result
    }

    /// Back-propagates from this tensor; `gradient` defaults to ones (a scalar loss).
    public func backward(gradient seed: Tensor? = nil) {
        guard let root = gradientNode else {
            fatalError("backward: tensor of shape \(shape) does not require gradients")
        }
        let seed = seed ?? Tensor.ones(shape)
        invariant(seed.shape == shape, "backward: seed shape \(seed.shape) differs from tensor shape \(shape)")
        let order = GradientNode.topologicalOrder(from: root)
        root.accumulate(seed)
        let trace = OperationTrace.active
        withoutGradients {
            for node in order.reversed() where !node.isLeaf {
                guard let outgoing = node.gradient, let propagate = node.propagate else { continue }
                let started = trace == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let incoming = propagate(outgoing)
                invariant(incoming.count == node.parents.count, "backward: rule returned \(incoming.count) gradients for \(node.parents.count) inputs")
                for (parent, gradient) in zip(node.parents, incoming) {
                    if let parent, let gradient { parent.accumulate(gradient) }
                }
                if let trace { trace.addBackward(node.label ?? "untraced", nanoseconds: DispatchTime.now().uptimeNanoseconds - started) }
                node.propagate = nil
                node.gradient = nil
            }
        }
    }
}

extension GradientNode {
    /// Nodes reachable from `root`, every node after all of its parents (iterative DFS, so
    /// deep networks do not overflow the stack).
    static func topologicalOrder(from root: GradientNode) -> [GradientNode] {
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradientNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.last {
            if next < node.parents.count {
                stack[stack.count - 1].1 += 1
                if let parent = node.parents[next], visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                stack.removeLast()
                order.append(node)
            }
        }
        return order
    }
}
