import LoupeTensor

/// Why a weights file could not be read; every case names the file.
public enum WeightsError: UserInputError, Equatable {
    case unreadable(path: String, reason: String)
    case unknownFormat(path: String)
    case malformed(path: String, detail: String)
    case unsupportedPickle(path: String, detail: String)
    case missingWeights(name: String, searched: [String])
    case hashMismatch(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read weights: \(reason)"
        case let .unknownFormat(path): return "\(path): not a weights file Loupe reads (.safetensors or PyTorch .pth)"
        case let .malformed(path, detail): return "\(path): damaged weights file: \(detail)"
        case let .unsupportedPickle(path, detail):
            return "\(path): \(detail); Loupe loads plain state_dicts (tensors by name) and runs no code from weight files"
        case let .missingWeights(name, searched):
            return "no weights for \(name): looked in \(searched.joined(separator: ", ")); run `make deps` or pass --weights PATH"
        case let .hashMismatch(path, expected, found):
            return "\(path): SHA-256 is \(found), expected \(expected); the file is damaged or not the one Loupe expects"
        }
    }
}
