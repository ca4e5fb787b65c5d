import Foundation

/// The operating system's reason a file operation failed ("No space left on device",
/// "Read-only file system"), where Foundation says only "The operation could not be completed".
public enum FileFailure {
    public static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let error = error as NSError
        // On Linux the underlying error is a Swift `POSIXError`, which `as? NSError` does not find.
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? Error {
            let underlying = underlying as NSError
            if underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}
