import LoupeFormats
import LoupeTensor

/// Why an image could not be read or written; every case names the file.
public enum ImageError: UserInputError, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    /// The content is no format Loupe reads; `detail` says what it looks like instead.
    case unknownFormat(path: String, detail: String)
    case corrupt(path: String, format: ImageFormat, detail: String)
    case tooLarge(path: String, detail: String)
    case unsupported(path: String, detail: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read image: \(reason)"
        case let .empty(path): return "\(path): empty file (0 bytes), not an image"
        case let .unknownFormat(path, detail):
            return "\(path): \(detail), not an image Loupe reads (\(ImageFormat.allCases.map(\.name).joined(separator: ", ")))"
        case let .corrupt(path, format, detail): return "\(path): corrupt \(format.name): \(detail)"
        case let .tooLarge(path, detail): return "\(path): \(detail), refused as a guard against decompression bombs"
        case let .unsupported(path, detail): return "\(path): \(detail)"
        case let .writeFailed(path, reason): return "\(path): cannot write image: \(reason)"
        }
    }

    /// The file the error is about.
    public var path: String {
        switch self {
        case let .unreadable(path, _), let .empty(path), let .unknownFormat(path, _), let .corrupt(path, _, _),
             let .tooLarge(path, _), let .unsupported(path, _), let .writeFailed(path, _):
            return path
        }
    }
}

extension ImageError: FileWriteFailure {
    public var failedWrite: (path: String, reason: String)? {
        if case let .writeFailed(path, reason) = self { return (path, reason) }
        return nil
    }
}
