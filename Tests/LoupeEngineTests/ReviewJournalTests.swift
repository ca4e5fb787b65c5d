import Foundation
import LoupeEngine
import Testing

@Suite struct ReviewJournalTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID()).jsonl").path
    }

    /// Found by `make fuzz`: a time with a 40-digit fraction made ICU's date parser die
    /// (SIGFPE) while replaying; such a line is now skipped with a warning like any bad line.
    @Test func aMalformedTimeIsSkippedNotFatal() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = #"{"image":"a.png","note":"","threshold":1.5,"time":"2026-11-30T18:06:02.856Z","verdict":"false-positive"}"#
        let bad = #"{"image":"b.png","note":"","threshold":1.5,"time":"2025-11-30T18:06:2.81111111111111111111111111111111111111156Z","verdict":"confirmed-defect"}"#
        try (good + "\n" + bad + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let journal = try ReviewJournal(path: path)
        #expect(journal.marks.map(\.image) == ["a.png"] && journal.warnings.count == 1)
    }

    @Test func marksSurviveReopening() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try ReviewJournal(path: path)
        try journal.append(ReviewMark(image: "test/good/003.png", verdict: .falsePositive, note: "dust, not a scratch", threshold: 1.6))
        try journal.append(ReviewMark(image: "test/hole/001.png", verdict: .confirmedDefect, threshold: 1.6))
        try journal.append(ReviewMark(image: "test/hole/001.png", verdict: .clear, threshold: 1.7))
        let reopened = try ReviewJournal(path: path)
        #expect(reopened.warnings.isEmpty)
        #expect(reopened.marks.map(\.image) == journal.marks.map(\.image) && reopened.marks.map(\.verdict) == journal.marks.map(\.verdict))
        #expect(reopened.marks.map(\.note) == journal.marks.map(\.note) && reopened.marks.map(\.threshold) == journal.marks.map(\.threshold))
        #expect(zip(reopened.marks, journal.marks).allSatisfy { abs($0.time.timeIntervalSince($1.time)) < 0.001 })
        #expect(reopened.currentVerdicts.keys.sorted() == ["test/good/003.png"])
        #expect(reopened.csv().contains("test/good/003.png,false-positive,\"dust, not a scratch\""))
    }

    /// A write cut short leaves half a line: replay keeps every complete mark, warns, and
    /// the next mark starts on a fresh line.
    @Test func tornLastLineIsSkippedAndNothingElseIsLost() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try ReviewJournal(path: path)
        for index in 0..<3 { try journal.append(ReviewMark(image: "img\(index).png", verdict: .falsePositive, threshold: 1)) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"image":"img3.png","verd"#.utf8))
        try handle.close()

        let replayed = try ReviewJournal(path: path)
        #expect(replayed.marks.map(\.image) == ["img0.png", "img1.png", "img2.png"])
        #expect(replayed.warnings.count == 1 && replayed.warnings[0].contains("line 4") && replayed.warnings[0].contains("incomplete"))
        try replayed.append(ReviewMark(image: "img4.png", verdict: .falseNegative, threshold: 1))
        let again = try ReviewJournal(path: path)
        #expect(again.marks.map(\.image) == ["img0.png", "img1.png", "img2.png", "img4.png"])
    }

    /// A journal that cannot be read stops with the file and the system's reason, not
    /// Foundation's "internal error" (the console opened on such a run said only that).
    @Test func anUnreadableJournalNamesTheFile() throws {
        let path = Self.temporaryPath()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ReviewJournalError.cannotRead(path: path, reason: "Is a directory")) { try ReviewJournal(path: path) }
        #expect("\(ReviewJournalError.cannotRead(path: "r/review.jsonl", reason: "Is a directory"))" == "r/review.jsonl: cannot read the review marks: Is a directory")
    }
}
