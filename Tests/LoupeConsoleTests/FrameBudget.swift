import Foundation

/// The console's frame budget. Not checked under a sanitizer (`make test-sanitize` sets
/// LOUPE_SANITIZER), which instruments every memory access and is slower by design.
enum FrameBudget {
    static let milliseconds = 50.0
    static var isChecked: Bool { ProcessInfo.processInfo.environment["LOUPE_SANITIZER"] == nil }
}
