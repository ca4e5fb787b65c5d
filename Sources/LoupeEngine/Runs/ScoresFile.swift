import Foundation
import LoupeFormats

/// `scores.csv`, one row per test image as `loupe eval` scored it: file, kind (its test
/// folder), label (1 defective), score, verdict (at the run's threshold, or empty). Written
/// by evaluation, read by the console and the Runs view: the format lives here alone.
public enum ScoresFile {
    public struct Row: Equatable, Sendable {
        public let file: String, kind: String
        public let isDefect: Bool
        public let score: Float
        public let verdict: String

        public init(file: String, kind: String, isDefect: Bool, score: Float, verdict: String) {
            (self.file, self.kind, self.isDefect, self.score, self.verdict) = (file, kind, isDefect, score, verdict)
        }
    }

    static let columns = ["file", "kind", "label", "score", "verdict"]

    public static func text(_ rows: [Row]) -> String {
        CSV.record(columns) + rows.map { CSV.record([$0.file, $0.kind, $0.isDefect ? "1" : "0", "\($0.score)", $0.verdict]) }.joined()
    }

    /// The rows of the file at `path`; a row whose score is not a finite number is skipped (a
    /// file edited by hand, or "nan" from a diverged model: no view can place it), a file
    /// that is not a table throws naming it.
    public static func read(_ path: String) throws -> [Row] {
        guard FileManager.default.isReadableFile(atPath: path) else { throw RunError.unreadableFile(path: path) }
        return try CSV.records(atPath: path).dropFirst().compactMap { record in
            let fields = record.fields
            guard fields.count >= 4, let score = Float(fields[3]), score.isFinite else { return nil }
            return Row(file: fields[0], kind: fields[1], isDefect: fields[2] == "1", score: score, verdict: fields.count > 4 ? fields[4] : "")
        }
    }
}
