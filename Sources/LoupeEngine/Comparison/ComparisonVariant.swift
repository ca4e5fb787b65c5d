import Foundation

/// One row of a comparison as the user writes it: a method and the options it trains with,
/// `stu-seg:no-segmentation` or `rd-mff:no-transformer+heads=2` (after the colon, the
/// method's options without their dashes, joined by +; `key=value` for a value).
public struct ComparisonVariant: Hashable, Sendable, CustomStringConvertible {
    public let method: String
    /// The options as `loupe train` takes them: `["--no-transformer", "--heads", "2"]`.
    public let arguments: [String]
    /// As written.
    public let description: String

    /// Parses one variant; the method and its options are checked by the command (against
    /// the method's settings) before anything trains.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let method = parts.first, !method.isEmpty else { throw ComparisonError.badVariant(text, reason: "no method before the colon") }
        var arguments: [String] = []
        if parts.count == 2 {
            for option in parts[1].split(separator: "+", omittingEmptySubsequences: false) {
                let pair = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = pair.first, !key.isEmpty, !key.hasPrefix("-") else {
                    throw ComparisonError.badVariant(text, reason: "'\(option)' is not an option like no-transformer or heads=2")
                }
                arguments.append("--" + key)
                if pair.count == 2 {
                    guard !pair[1].isEmpty else { throw ComparisonError.badVariant(text, reason: "'\(option)' has no value after =") }
                    arguments.append(String(pair[1]))
                }
            }
        }
        self.method = String(method)
        self.arguments = arguments
        description = trimmed
    }

    /// Comma-separated variants, each once, in the order given.
    public static func list(_ text: String) throws -> [ComparisonVariant] {
        var seen = Set<ComparisonVariant>()
        let variants = try text.split(separator: ",").map { try ComparisonVariant(String($0)) }.filter { seen.insert($0).inserted }
        guard !variants.isEmpty else { throw ComparisonError.badVariant(text, reason: "no method named") }
        return variants
    }

    /// The run folder's name for one seed: `rd-mff-no-transformer-heads2-seed0`.
    public func runName(seed: UInt64) -> String {
        let slug = description.map { ":+".contains($0) ? "-" : $0 == "=" ? "" : String($0) }.joined()
        return "\(slug)-seed\(seed)"
    }
}

extension ComparisonVariant: Comparable {
    public static func < (a: ComparisonVariant, b: ComparisonVariant) -> Bool { a.description < b.description }
}
