/// A network building block whose parameters and buffers are named by their place in the
/// tree, torchvision-style: `layer1.0.conv1.weight`, `bn1.running_mean`.
///
/// Names come from the stored properties themselves (found by reflection once), so a
/// Swift property named like PyTorch's attribute loads a PyTorch `state_dict` as is.
/// Arrays of modules (and `Sequential`) name children by index.
open class Module {
    /// Training mode: BatchNorm uses batch statistics, dropout drops.
    public private(set) var isTraining = true

    public init() {}

    /// Properties to leave out of the named tree (e.g. a shared teacher held by reference).
    open var excludedPropertyNames: Set<String> { [] }

    /// Properties whose elements are named without the property's own name, as
    /// `Sequential` names its layers "0", "1", ….
    open var transparentPropertyNames: Set<String> { [] }

    /// The name prefix a property contributes.
    private func prefix(for label: String) -> String? {
        if excludedPropertyNames.contains(label) { return nil }
        return transparentPropertyNames.contains(label) ? "" : label
    }

    /// Every direct child module, named.
    public var namedChildren: [(String, Module)] {
        var result: [(String, Module)] = []
        for child in Mirror(reflecting: self).allChildren {
            guard let label = child.label.map(Module.propertyName), let name = prefix(for: label) else { continue }
            Module.collect(child.value, name: name) { name, value in
                if let module = value as? Module { result.append((name, module)) }
            }
        }
        return result
    }

    /// Every parameter in this module and below, by dotted name, in declaration order.
    public var namedParameters: [(String, Parameter)] {
        namedState().compactMap { name, value in (value as? Parameter).map { (name, $0) } }
    }

    /// Every buffer in this module and below, by dotted name.
    public var namedBuffers: [(String, Buffer)] {
        namedState().compactMap { name, value in (value as? Buffer).map { (name, $0) } }
    }

    public var parameters: [Parameter] { namedParameters.map(\.1) }

    /// Sets training mode here and in every descendant.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in namedChildren { child.train(on) }
    }

    /// Evaluation mode here and in every descendant.
    public func eval() { train(false) }

    /// Freezes (or unfreezes) every parameter below.
    public func requireGradients(_ on: Bool) {
        for parameter in parameters { parameter.requiresGradient = on }
    }

    private func namedState(prefix: String = "") -> [(String, AnyObject)] {
        var result: [(String, AnyObject)] = []
        for child in Mirror(reflecting: self).allChildren {
            guard let label = child.label.map(Module.propertyName), let name = self.prefix(for: label) else { continue }
            Module.collect(child.value, name: prefix + name) { name, value in
                if let module = value as? Module {
                    result += module.namedState(prefix: name.isEmpty || name.hasSuffix(".") ? name : name + ".")
                } else if value is Parameter || value is Buffer {
                    result.append((name, value as AnyObject))
                }
            }
        }
        return result
    }

    /// Walks a property value: modules, parameters and buffers directly, arrays by index,
    /// optionals when present.
    private static func collect(_ value: Any, name: String, _ visit: (String, Any) -> Void) {
        if value is Module || value is Parameter || value is Buffer {
            visit(name, value)
            return
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let wrapped = mirror.children.first { collect(wrapped.value, name: name, visit) }
        case .collection:
            for (index, element) in mirror.children.enumerated() {
                collect(element.value, name: name.isEmpty || name.hasSuffix(".") ? "\(name)\(index)" : "\(name).\(index)", visit)
            }
        default:
            break
        }
    }

    /// Lazy properties reflect as `$__lazy_storage_$_name`; use the property's own name.
    private static func propertyName(_ label: String) -> String {
        label.hasPrefix("$__lazy_storage_$_") ? String(label.dropFirst("$__lazy_storage_$_".count)) : label
    }
}

extension Mirror {
    /// Children of this class and all its superclasses, superclass first.
    var allChildren: [Mirror.Child] {
        (superclassMirror?.allChildren ?? []) + Array(children)
    }
}

/// Children applied in order; named "0", "1", … like PyTorch's `nn.Sequential`.
public final class Sequential: Module, Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    override public var transparentPropertyNames: Set<String> { ["layers"] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}

/// A module that maps one tensor to one tensor.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}
