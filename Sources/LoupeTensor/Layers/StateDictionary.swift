/// Why a set of named tensors does not fit a module; lists every problem at once so a
/// user fixes a weights file in one go.
public struct StateDictionaryError: UserInputError, Equatable {
    public var missing: [String]
    public var unexpected: [String]
    /// (name, expected shape, found shape).
    public var mismatched: [Mismatch]
    /// Where the tensors came from (a file path), for the message.
    public var source: String

    public struct Mismatch: Equatable, Sendable {
        public let name: String
        public let expected: [Int]
        public let found: [Int]

        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing \(missing.count) key(s): \(Self.list(missing))") }
        if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count) key(s): \(Self.list(unexpected))") }
        if !mismatched.isEmpty {
            parts.append("mismatched shapes: " + mismatched.prefix(8).map { "\($0.name) expects \($0.expected), file has \($0.found)" }.joined(separator: "; ")
                         + (mismatched.count > 8 ? "; …" : ""))
        }
        return "\(source): weights do not fit the model: " + parts.joined(separator: "; ")
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", … (\(names.count - 8) more)" : "")
    }
}

extension Module {
    /// Every parameter and buffer value by dotted name: what a checkpoint stores.
    public func stateDictionary() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in namedParameters { result[name] = parameter.value.detached }
        for (name, buffer) in namedBuffers { result[name] = buffer.value }
        return result
    }

    /// Copies `tensors` into the parameters and buffers of the same names. Every expected
    /// key must be present with its shape, and (unless `allowingUnexpected`) nothing else;
    /// otherwise nothing is changed and the error lists every problem.
    public func loadStateDictionary(_ tensors: [String: Tensor], source: String = "weights",
                                    allowingUnexpected: Bool = false) throws {
        var targets: [String: ([Int], (Tensor) -> Void)] = [:]
        for (name, parameter) in namedParameters { targets[name] = (parameter.shape, parameter.assign) }
        for (name, buffer) in namedBuffers { targets[name] = (buffer.value.shape, buffer.assign) }
        var error = StateDictionaryError(missing: [], unexpected: [], mismatched: [], source: source)
        for name in targets.keys.sorted() {
            guard let tensor = tensors[name] else { error.missing.append(name); continue }
            let expected = targets[name]!.0
            // A scalar buffer (num_batches_tracked) may arrive as shape [] or [1].
            if tensor.shape != expected && !(tensor.count == 1 && expected.reduce(1, *) == 1) {
                error.mismatched.append(.init(name: name, expected: expected, found: tensor.shape))
            }
        }
        if !allowingUnexpected { error.unexpected = tensors.keys.filter { targets[$0] == nil }.sorted() }
        guard error.missing.isEmpty, error.unexpected.isEmpty, error.mismatched.isEmpty else { throw error }
        for (name, (shape, assign)) in targets {
            assign(tensors[name]!.reshaped(shape).detached)
        }
    }
}
