/// Stops with `message` when an engine invariant (a shape, an axis, a parameter range)
/// does not hold.
///
/// `precondition` prints no message in optimised builds and vanishes under `-Ounchecked`;
/// a shape mismatch must say which op and which shapes in every build, so this goes
/// through `fatalError`. Input a user supplies is validated earlier, with typed errors.
@inline(__always)
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
