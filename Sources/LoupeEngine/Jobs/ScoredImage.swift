import Foundation

/// One scored test image.
public struct ScoredImage: Sendable, Codable, Equatable {
    public let path: String
    public let kind: String
    public let isDefect: Bool
    public let score: Float
}

extension Collection where Element == ScoredImage {
    /// What to tell the user when some scores are not numbers (a diverged model's maps):
    /// how many, and the first files by name; nil when every score is finite.
    public var nonFiniteScoreWarning: String? {
        let bad = filter { !$0.score.isFinite }.map(\.path)
        guard !bad.isEmpty else { return nil }
        return NonFiniteScores.warning(bad)
    }
}
