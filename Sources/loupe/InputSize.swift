import ArgumentParser

/// The `--size` rule every command that trains shares: the network halves the input four
/// times, so it must divide by 16; the bounds keep a batch in memory.
enum InputSize {
    static func validate(_ size: Int) throws {
        guard (32...2048).contains(size), size % 16 == 0 else {
            throw ValidationError("--size must be a multiple of 16 between 32 and 2048, got \(size)")
        }
    }
}
