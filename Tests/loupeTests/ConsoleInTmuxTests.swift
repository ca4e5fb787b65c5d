import Foundation
import Testing

/// The console in a real terminal: tmux runs `loupe console` on a tiny run, keys are sent
/// as a user would type them, and the pane is read back as a user would see it.
@Suite(.serialized) struct ConsoleInTmuxTests {
    static let session = "loupe-test-\(getpid())"

    static var tmuxAvailable: Bool {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") { return true }
        if ProcessInfo.processInfo.environment["LOUPE_REQUIRE_TMUX"] == "1" { Issue.record("tmux missing: run `make deps`") }
        return false
    }

    @discardableResult
    static func tmux(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = arguments
        // Output goes through a file: a pipe would be inherited by the tmux server that
        // new-session starts, and never reach end of file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID())").path
        FileManager.default.createFile(atPath: file, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    static func screen() throws -> String { try tmux("capture-pane", "-p", "-t", session) }

    /// Waits (up to `seconds`) until the pane shows `text`; returns the pane.
    static func waitFor(_ text: String, seconds: Double = 60) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var pane = ""
        while Date() < deadline {
            pane = try screen()
            if pane.contains(text) { return pane }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("pane never showed '\(text)':\n\(pane)")
        return pane
    }

    @Test func browseOverlayThresholdMarkAndQuitRestoringTheTerminal() throws {
        guard Self.tmuxAvailable else { return }
        let weights = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/weights/efficientnet-lite0-57934424.pth")
        guard FileManager.default.fileExists(atPath: weights.path) || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-tmux-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/tiny"
        #expect(try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64"]).status == 0)
        #expect(try Loupe.run(["eval", "--run", run]).status == 0)

        try Self.tmux("new-session", "-d", "-s", Self.session, "-x", "120", "-y", "36", "sh")
        defer { _ = try? Self.tmux("kill-session", "-t", Self.session) }
        try Self.tmux("send-keys", "-t", Self.session, "cd \(Loupe.repository.path) && TERM=xterm-256color \(Loupe.executable.path) console --run \(run); echo \"exit=$?\"", "Enter")
        var pane = try Self.waitFor("Loupe · tiny")
        #expect(pane.contains("score  verdict  truth    mark  image"))
        #expect(pane.contains("[score · all · 48/48]  [overlay · turbo]"))
        #expect(try Self.tmux("display", "-p", "-t", Self.session, "#{alternate_on}").hasPrefix("1"))

        // Browse: the selection marker moves to the second row; o switches the pane mode.
        try Self.tmux("send-keys", "-t", Self.session, "Down")
        try Self.tmux("send-keys", "-t", Self.session, "o")
        pane = try Self.waitFor("[contour · turbo]")
        let rows = pane.split(separator: "\n").map(String.init)
        #expect(rows.count > 3 && rows[3].hasPrefix("▶"))
        // The image pane holds half-block cells.
        #expect(pane.contains("▀"))

        // Mark the selected image a false positive.
        try Self.tmux("send-keys", "-t", Self.session, "f")
        pane = try Self.waitFor(": false-positive")
        #expect(pane.split(separator: "\n")[3].contains(" FP "))

        // Histogram: move the threshold one bin right; the title follows.
        try Self.tmux("send-keys", "-t", Self.session, "Tab")
        pane = try Self.waitFor("actual defect")
        let before = try #require(Self.threshold(in: pane))
        try Self.tmux("send-keys", "-t", Self.session, "Right")
        Thread.sleep(forTimeInterval: 0.3)
        pane = try Self.screen()
        let after = try #require(Self.threshold(in: pane))
        #expect(after > before)

        // Help overlay, then quit: the terminal is back, the shell prints the exit status.
        try Self.tmux("send-keys", "-t", Self.session, "?")
        _ = try Self.waitFor("histogram keys")
        try Self.tmux("send-keys", "-t", Self.session, "Escape")
        try Self.tmux("send-keys", "-t", Self.session, "q")
        pane = try Self.waitFor("exit=0", seconds: 20)
        #expect(!pane.contains("Loupe · tiny"))
        #expect(try Self.tmux("display", "-p", "-t", Self.session, "#{alternate_on}").hasPrefix("0"))
        // The mark is in the journal.
        let journal = try String(contentsOfFile: run + "/review.jsonl", encoding: .utf8)
        #expect(journal.contains("\"false-positive\""))
    }

    /// The threshold in the title bar ("threshold 1.2345").
    static func threshold(in pane: String) -> Float? {
        guard let range = pane.range(of: "threshold ") else { return nil }
        return Float(pane[range.upperBound...].prefix(6))
    }
}
