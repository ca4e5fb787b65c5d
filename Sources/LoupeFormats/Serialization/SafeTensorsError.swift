import LoupeTensor

/// Why a safetensors file could not be read or written; each case names the file.
public enum SafeTensorsError: UserInputError, Equatable {
    case unreadable(path: String, reason: String)
    case truncated(path: String, detail: String)
    case malformedHeader(path: String, detail: String)
    case unsupportedDataType(path: String, tensor: String, dataType: String)
    case badTensorEntry(path: String, tensor: String, detail: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read safetensors file: \(reason)"
        case let .truncated(path, detail):
            return "\(path): truncated safetensors file: \(detail)"
        case let .malformedHeader(path, detail):
            return "\(path): malformed safetensors header: \(detail)"
        case let .unsupportedDataType(path, tensor, dataType):
            return "\(path): tensor '\(tensor)' has data type \(dataType); Loupe reads F32, F16, BF16 and I64"
        case let .badTensorEntry(path, tensor, detail):
            return "\(path): tensor '\(tensor)': \(detail)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write safetensors file: \(reason) (a file already there is unchanged)"
        }
    }
}
