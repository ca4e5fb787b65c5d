import Foundation
import LoupeFormats
import Testing

/// RFC 4180 tables: what `CSV.record` writes, `CSV.records` and Python's `csv` module read
/// back field for field, whatever the field holds.
@Suite struct CSVTests {
    static let awkward = ["/data/a,b.png", #"q"x.png"#, "line\nbreak.png", "crlf\r\n.png", "Prüfteil 12 – Kratzer.png", " padded ", "", #""""#, "plain.png"]

    @Test func awkwardFieldsRoundTrip() throws {
        let rows = Self.awkward.map { [$0, "1.5", "defect"] }
        let text = CSV.record(["file", "score", "verdict"]) + rows.map(CSV.record).joined()
        let read = try CSV.records(text)
        #expect(read.map(\.fields) == [["file", "score", "verdict"]] + rows)
    }

    @Test func recordsKnowTheLineTheyStartOn() throws {
        let read = try CSV.records("a,b\n\"x\ny\",c\n\nd,e\r\nf,g")
        #expect(read.map(\.line) == [1, 2, 5, 6])
        #expect(read.map(\.fields) == [["a", "b"], ["x\ny", "c"], ["d", "e"], ["f", "g"]])
    }

    @Test func plainFieldsAreWrittenAsThey() {
        #expect(CSV.record(["a", "1.5", ""]) == "a,1.5,\n")
        #expect(CSV.record(["a,b", #"say "hi""#]) == ##""a,b","say ""hi""""## + "\n")
    }

    @Test func anUnclosedQuoteNamesItsLine() {
        #expect(throws: CSVError.unclosedQuote(line: 2)) { try CSV.records("a,b\n\"open,c\nd\n") }
    }

    /// Python's `csv` module reads what Loupe wrote (skipped where there is no python3).
    @Test func pythonReadsWhatLoupeWrote() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-csv-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (Self.awkward.map { CSV.record([$0, "x"]) }.joined()).write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import csv, json, sys; print(json.dumps([r[0] for r in csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))]))", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(try JSONDecoder().decode([String].self, from: data) == Self.awkward)
    }
}
