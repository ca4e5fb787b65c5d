import Foundation
import Testing

/// The console in a real terminal: tmux runs `loupe console` on a tiny run, keys are sent
/// as a user would type them, and the pane is read back as a user would see it.
@Suite(.serialized) struct ConsoleInTmuxTests {
    static let session = "loupe-test-\(getpid())"
    /// A server of the test's own (`tmux -S`), never the user's.
    static let socket = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-test-\(getpid()).tmux").path

    static var tmuxAvailable: Bool {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") { return true }
        if ProcessInfo.processInfo.environment["LOUPE_REQUIRE_TMUX"] == "1" { Issue.record("tmux missing: run `make deps`") }
        return false
    }

    /// Runs tmux on the test's own server socket and returns what it printed.
    ///
    /// Spawned with posix_spawn rather than Foundation's Process: the first call starts
    /// the tmux server, which would inherit Process's exit-watch socket (so waiting for
    /// the client never ends) and any pipe another test has open (so that test never
    /// reads end of file). Every descriptor above standard error is closed in the child,
    /// and the signal mask starts empty.
    @discardableResult
    static func tmux(_ arguments: String...) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard closeFrom(&actions, 3) == 0 else { throw TmuxError(message: "posix_spawn_file_actions_addclosefrom_np failed") }
        // The calling thread blocks most signals (a concurrency worker); tmux would keep
        // that mask and never see kill-server's SIGTERM. Start from an empty mask and
        // default handlers, as a shell would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["/usr/bin/tmux", "-S", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw TmuxError(message: "posix_spawn tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc
    /// module does not import.
    static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return { _, _ in ENOSYS }
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    struct TmuxError: Error, CustomStringConvertible { let message: String; var description: String { message } }

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
        defer {
            _ = try? Self.tmux("kill-server")
            try? FileManager.default.removeItem(atPath: Self.socket)
        }
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
