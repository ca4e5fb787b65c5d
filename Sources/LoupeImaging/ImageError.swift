/// Why an image could not be read or written; every case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case notPNG(path: String)
    case corrupt(path: String, detail: String)
    case tooLarge(path: String, detail: String)
    case unsupported(path: String, detail: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read image: \(reason)"
        case let .empty(path): return "\(path): empty file (0 bytes), not an image"
        case let .notPNG(path): return "\(path): not a PNG image (Loupe reads PNG)"
        case let .corrupt(path, detail): return "\(path): corrupt PNG: \(detail)"
        case let .tooLarge(path, detail): return "\(path): \(detail) (raise --max-pixels if this image is expected)"
        case let .unsupported(path, detail): return "\(path): \(detail)"
        case let .writeFailed(path, reason): return "\(path): cannot write image: \(reason)"
        }
    }

    /// The file the error is about.
    public var path: String {
        switch self {
        case let .unreadable(path, _), let .empty(path), let .notPNG(path), let .corrupt(path, _),
             let .tooLarge(path, _), let .unsupported(path, _), let .writeFailed(path, _):
            return path
        }
    }
}
