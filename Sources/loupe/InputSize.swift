import ArgumentParser
import LoupeModels

/// The `--size` rule every command that trains shares (`TrainingConfiguration`'s).
enum InputSize {
    static func validate(_ size: Int) throws {
        guard TrainingConfiguration.acceptsImageSize(size) else {
            throw ValidationError("--size must be \(TrainingConfiguration.imageSizeRule), got \(size)")
        }
    }
}
