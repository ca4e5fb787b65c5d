import Foundation
import LoupeFormats
import LoupeTensor

/// An operator's judgement of one image.
public struct ReviewMark: Codable, Equatable, Sendable {
    public enum Verdict: String, Codable, Sendable, CaseIterable {
        case falsePositive = "false-positive"
        case falseNegative = "false-negative"
        case confirmedDefect = "confirmed-defect"
        /// Withdraws earlier marks of the image.
        case clear
    }

    public let image: String
    public let verdict: Verdict
    public let note: String
    public let time: Date
    /// The decision threshold in force when the mark was made.
    public let threshold: Float?

    public init(image: String, verdict: Verdict, note: String = "", time: Date = Date(), threshold: Float?) {
        self.image = image
        self.verdict = verdict
        self.note = note
        self.time = time
        self.threshold = threshold
    }
}

/// `review.jsonl` in a run folder: every mark appended as one JSON line and fsync'd before
/// `append` returns, so a mark the operator saw accepted survives a crash or power loss.
/// Reopening replays the file; a torn last line (a write cut short) is skipped with a
/// warning, and every complete line before it is kept.
public final class ReviewJournal {
    public let path: String
    /// Every mark in the order made.
    public private(set) var marks: [ReviewMark] = []
    /// Lines that could not be read, as "line N: reason".
    public private(set) var warnings: [String] = []
    /// The file ends in a torn line that could not be closed yet (a read-only folder): the
    /// next append starts with a newline.
    private var endsTorn = false

    /// Times as ISO 8601 with milliseconds: readable, and precise enough to order marks.
    private static func timestampFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestampFormatter().string(from: date))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// `2026-11-30T18:06:02.856Z`: digits where digits go, 1–9 fraction digits, Z.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (21...29).contains(bytes.count), bytes.last == UInt8(ascii: "Z") else { return false }
        let pattern = Array("dddd-dd-ddTdd:dd:dd.".utf8)
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "d") ? !(48...57).contains(byte) : byte != expected { return false }
        }
        return bytes[pattern.count..<(bytes.count - 1)].allSatisfy { (48...57).contains($0) }
    }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            // Only the shape this journal writes reaches the formatter: ICU's date parser
            // dies (SIGFPE) on a fraction of 40 digits (found by `make fuzz`).
            guard isTimestamp(text), let date = timestampFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad time \(text)"))
            }
            return date
        }
        return decoder
    }()

    /// Opens (and replays) the journal at `path`; a missing file is an empty journal.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReviewJournalError.cannotRead(path: path, reason: FileFailure.reason(error))
        }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                marks.append(try Self.decoder.decode(ReviewMark.self, from: Data(line)))
            } catch {
                let torn = index == lines.count - 1
                warnings.append("\(path) line \(index + 1): \(torn ? "incomplete last line (an interrupted write), skipped" : "unreadable, skipped")")
            }
        }
        // A torn tail would glue the next mark onto it; end the file with a newline first.
        if let last = data.last, last != UInt8(ascii: "\n") {
            // Read-only or full, the journal still opens for reading; the next append closes the line.
            do { try Self.appendBytes(Data("\n".utf8), to: path) } catch { endsTorn = true }
        }
    }

    /// Appends `mark` durably.
    public func append(_ mark: ReviewMark) throws {
        var line = (endsTorn ? Data("\n".utf8) : Data()) + (try Self.encoder.encode(mark))
        line.append(UInt8(ascii: "\n"))
        try Self.appendBytes(line, to: path)
        endsTorn = false
        marks.append(mark)
    }

    /// The standing verdict of each image: its latest mark, unless that was `clear`.
    public var currentVerdicts: [String: ReviewMark] {
        var result: [String: ReviewMark] = [:]
        for mark in marks { result[mark.image] = mark.verdict == .clear ? nil : mark }
        return result
    }

    /// The standing marks as CSV (image, verdict, note, time, threshold), sorted by image.
    public func csv() -> String {
        let formatter = Self.timestampFormatter()
        let rows = currentVerdicts.values.sorted { $0.image < $1.image }.map { mark in
            CSV.record([mark.image, mark.verdict.rawValue, mark.note, formatter.string(from: mark.time), mark.threshold.map { "\($0)" } ?? ""])
        }
        return CSV.record(["image", "verdict", "note", "time", "threshold"]) + rows.joined()
    }

    private static func appendBytes(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw ReviewJournalError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        // One write of the whole line with O_APPEND: two consoles appending at once never
        // interleave parts of lines.
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, data.count) }
        guard written == data.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "only \(written) of \(data.count) bytes written (disk full?)"
            // Take back a part of a line (when nothing was appended after it), so the next
            // mark does not glue onto it.
            let end = lseek(descriptor, 0, SEEK_CUR)
            var status = stat()
            if written > 0, fstat(descriptor, &status) == 0, status.st_size == end { _ = ftruncate(descriptor, end - off_t(written)) }
            throw ReviewJournalError.cannotWrite(path: path, reason: reason)
        }
        guard fsync(descriptor) == 0 else { throw ReviewJournalError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }
}

public enum ReviewJournalError: UserInputError, Equatable {
    /// The journal exists but cannot be read (a folder in its place, no permission).
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason): return "\(path): cannot read the review marks: \(reason)"
        case let .cannotWrite(path, reason): return "\(path): cannot record the mark: \(reason)"
        }
    }
}

extension ReviewJournalError: FileWriteFailure {
    public var failedWrite: (path: String, reason: String)? {
        if case let .cannotWrite(path, reason) = self { return (path, reason) }
        return nil
    }
}
