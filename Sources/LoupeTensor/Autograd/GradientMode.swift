import Foundation

/// Whether operations on this thread record a gradient tape.
///
/// Thread-local, so a background training job and a UI thread scoring without gradients
/// never see each other's setting.
public enum GradientMode {
    private static let disabledKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// True unless inside `withoutGradients`.
    public static var isEnabled: Bool {
        pthread_getspecific(disabledKey) == nil
    }

    static func set(enabled: Bool) {
        pthread_setspecific(disabledKey, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Runs `body` without recording gradients: for inference and frozen networks.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let wasEnabled = GradientMode.isEnabled
    GradientMode.set(enabled: false)
    defer { GradientMode.set(enabled: wasEnabled) }
    return try body()
}
