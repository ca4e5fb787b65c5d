import Foundation

/// A size in bytes as people write it: `512M`, `2G`, `1.5G`, `800000` (powers of 1024).
public struct MemorySize: Equatable, Sendable, CustomStringConvertible {
    public let bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    /// nil when `text` is not a non-negative number with an optional K, M, G or T.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var number = Substring(trimmed.hasSuffix("B") ? String(trimmed.dropLast()) : trimmed)
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Double(number), value >= 0, value * scale < Double(Int.max) else { return nil }
        bytes = Int(value * scale)
    }

    /// "3.4 GB", "512 MB", "900 KB" (powers of 1024).
    public var description: String {
        let value = Double(bytes)
        for (unit, size) in [("TB", 1024.0 * 1024 * 1024 * 1024), ("GB", 1024.0 * 1024 * 1024), ("MB", 1024.0 * 1024), ("KB", 1024.0)] where value >= size {
            let scaled = value / size
            return (scaled < 10 ? String(format: "%.1f", scaled) : String(format: "%.0f", scaled)) + " " + unit
        }
        return "\(bytes) bytes"
    }
}
