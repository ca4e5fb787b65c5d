/// An error that may be a failed write of one file: a narrow status line shows just the
/// reason and the file's name, whichever layer's error it is.
public protocol FileWriteFailure: Error {
    /// The file and the system's reason ("No space left on device") when the error is a
    /// failed write; nil for the type's other cases.
    var failedWrite: (path: String, reason: String)? { get }
}

extension SafeTensorsError: FileWriteFailure {
    public var failedWrite: (path: String, reason: String)? {
        if case let .writeFailed(path, reason) = self { return (path, reason) }
        return nil
    }
}
