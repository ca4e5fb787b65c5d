import LoupeTensor

/// Why a run cannot be exported; each case names the operation or setting at fault.
public enum ExportError: UserInputError, Equatable {
    /// An engine operation the ONNX writer has no translation for.
    case unsupportedOperation(String)
    /// The pass changes with the batch size where ONNX cannot say so (a reshape merging the
    /// batch with another axis in two places).
    case batchDependent(operation: String)
    /// A value computed outside the engine's traced operations changed with the input: the
    /// graph would hold it as a constant and be wrong.
    case untracedComputation(shape: [Int], readBy: String)
    case unknownFormat(String)

    public var description: String {
        switch self {
        case let .unsupportedOperation(name): return "the scoring pass uses \(name), which has no ONNX translation yet: this run cannot be exported"
        case let .batchDependent(operation): return "\(operation) depends on the batch size in a way ONNX cannot express: this run cannot be exported"
        case let .untracedComputation(shape, readBy):
            return "a value of shape \(shape.map(String.init).joined(separator: "×")) read by \(readBy) is computed outside the engine's operations and changes with the input: this run cannot be exported"
        case let .unknownFormat(format): return "--format \(format): Loupe exports onnx"
        }
    }
}
