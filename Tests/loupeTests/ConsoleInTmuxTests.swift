import Foundation
import LoupeConsole
import LoupeImaging
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
        // The terminal is the test's, not the runner's: SwiftPM sets NO_COLOR for the test
        // process, which the console honours; the tmux server must not pass it on.
        let environment = ProcessInfo.processInfo.environment.filter { $0.key != "NO_COLOR" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environment.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environment)
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
        guard Loupe.weightsAvailable else { return }
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

    /// `loupe console --runs DIR` over three runs (one damaged): the list, A/B of the two
    /// good ones in the Browser and the Histogram, a resize, back to the list, quit.
    @Test func runsViewComparesTwoRunsSideBySide() throws {
        guard Self.tmuxAvailable, Self.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-runs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, seed) in [("first", "1"), ("second", "2")] {
            let run = folder + "/" + name
            #expect(try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64", "--seed", seed]).status == 0)
            #expect(try Loupe.run(["eval", "--run", run]).status == 0)
        }
        try FileManager.default.createDirectory(atPath: folder + "/torn", withIntermediateDirectories: true)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: folder + "/torn/model.safetensors"))

        try Self.startSession(width: 150, height: 36, command: "TERM=xterm-256color \(Loupe.executable.path) console --runs \(folder)")
        defer { Self.endSession() }
        var pane = try Self.waitFor("3 runs")
        #expect(pane.contains("first") && pane.contains("second") && pane.contains("finished"))
        #expect(pane.split(separator: "\n").contains { $0.contains("torn") && $0.contains("damaged checkpoint") })
        try Self.keys("Space", "Down", "Space", "a")
        pane = try Self.waitFor("A score  B score")
        #expect(pane.contains("A first") && pane.contains("B second"))
        try Self.keys("2")
        pane = try Self.waitFor("B second at its threshold")
        try Self.tmux("resize-window", "-t", Self.session, "-x", "100", "-y", "30")
        Thread.sleep(forTimeInterval: 0.5)
        pane = try Self.waitFor("B second at its threshold")
        #expect(pane.split(separator: "\n").allSatisfy { $0.count <= 100 })
        try Self.keys("1", "0")
        pane = try Self.waitFor("back to the runs")
        #expect(pane.contains("3 runs"))
        try Self.keys("q")
        pane = try Self.waitFor("exit=0", seconds: 20)
        #expect(try Self.tmux("display", "-p", "-t", Self.session, "#{alternate_on}").hasPrefix("0"))
    }

    /// NO_COLOR (no-color.org) set to anything: the console draws without a single colour,
    /// as with --ascii, on a terminal that has 256.
    @Test func noColorMakesTheConsoleMonochrome() throws {
        guard Self.tmuxAvailable, Self.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-nocolor-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/tiny"
        #expect(try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64"]).status == 0)
        #expect(try Loupe.run(["eval", "--run", run]).status == 0)
        try Self.startSession(width: 120, height: 36, command: "NO_COLOR=1 TERM=xterm-256color \(Loupe.executable.path) console --run \(run)")
        defer { Self.endSession() }
        _ = try Self.waitFor("000.png")
        let raw = try Self.tmux("capture-pane", "-e", "-p", "-t", Self.session)
        for colour in ["[38;5;", "[48;5;", "[38;2;", "[48;2;", "[31m", "[32m", "[41m", "[42m"] {
            #expect(!raw.contains("\u{1B}" + colour), "NO_COLOR console drew colour \(colour)")
        }
        try Self.keys("q")
        _ = try Self.waitFor("exit=0", seconds: 20)
    }

    /// The pane with its colours, trailing blanks kept (a coloured bar ends in blanks).
    static func capture() throws -> TerminalCapture { TerminalCapture(try tmux("capture-pane", "-e", "-p", "-N", "-t", session)) }

    /// Waits (up to `seconds`) until the coloured pane satisfies `condition`.
    static func waitFor(seconds: Double = 60, _ what: String, _ condition: (TerminalCapture) -> Bool) throws -> TerminalCapture {
        let deadline = Date().addingTimeInterval(seconds)
        var pane = try capture()
        while Date() < deadline {
            if condition(pane) { return pane }
            Thread.sleep(forTimeInterval: 0.1)
            pane = try capture()
        }
        Issue.record("pane never showed \(what):\n\((0..<pane.rows.count).map(pane.line).joined(separator: "\n"))")
        return pane
    }

    static func keys(_ keys: String...) throws { for key in keys { try tmux("send-keys", "-t", session, key) } }

    static var weightsAvailable: Bool { Loupe.weightsAvailable }

    /// A tmux server of the test's own with one window of the given size running `command`.
    static func startSession(width: Int, height: Int, command: String) throws {
        try tmux("new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", "sh")
        try tmux("send-keys", "-t", session, "cd \(Loupe.repository.path) && \(command); echo \"exit=$?\"", "Enter")
    }

    static func endSession() {
        _ = try? tmux("kill-server")
        try? FileManager.default.removeItem(atPath: socket)
    }

    static let theme = Theme.standard
    static func colour(_ role: Theme.Role, depth: ColourDepth = .palette256) -> TerminalColour {
        let (r, g, b) = theme.colours[role]!
        return sent(red: r, green: g, blue: b, depth: depth)
    }

    /// The colour a cell of this RGB reaches the terminal as: the nearest palette index, or
    /// the RGB itself on a direct-colour terminal, where numbers below 8 mean the ANSI
    /// colours, so the darkest blues go out as (0, 0, 8).
    static func sent(red: UInt8, green: UInt8, blue: UInt8, depth: ColourDepth) -> TerminalColour {
        if depth == .direct, red == 0, green == 0, blue < 8 { return .rgb(0, 0, 8) }
        return TerminalColour.nearest(red: red, green: green, blue: blue, depth: depth)
    }

    /// A synthetic anomaly map with a known ramp, written where `eval --save-maps` puts the
    /// map of `foreign/000.png` (the console shows saved maps): sixteen bands of four
    /// columns, values rising left to right in the upper half and falling in the lower.
    /// Each band sits at value 2·(17b + 0.1)/255, so at threshold 1 (heat scale 0…2) it is
    /// colour-map entry 17b, clear of every rounding edge. Returns the band values.
    static func writeRampMap(run: String, size: Int) throws -> [Float] {
        let bands = (0..<16).map { 2 * (17 * Float($0) + 0.1) / 255 }
        var pixels = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let band = min(15, x / (size / 16))
                pixels[y * size + x] = bands[y < size / 2 ? band : 15 - band] / 6 * 255  // 16-bit PNGs hold value/6
            }
        }
        try PNG.write(Image(width: size, height: size, channels: 1, pixels: pixels, sourceBitDepth: 16),
                      to: run + "/maps/foreign/000.png", bitDepth: 16)
        return bands
    }

    /// In 256 colours (and in 24-bit colour on a direct-colour terminal), after a real
    /// image's heat map has filled many colour pairs, the ramp's cells carry exactly the
    /// palette indices (or RGB) each colour map gives; the histogram's
    /// bars carry the theme's good and defect colours; the title bar spans the width; the
    /// key bar is readable.
    @Test(arguments: ["xterm-256color", "xterm-direct"]) func heatMapsHistogramAndBarsInTheThemesColours(terminal: String) throws {
        guard Self.tmuxAvailable, Self.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-colour-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/tiny", size = 64
        #expect(try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "\(size)"]).status == 0)
        #expect(try Loupe.run(["eval", "--run", run, "--save-maps"]).status == 0)
        let bands = try Self.writeRampMap(run: run, size: size)

        let (width, height) = (120, 36)
        let depth: ColourDepth = terminal == "xterm-direct" ? .direct : .palette256
        try Self.startSession(width: width, height: height, command: "TERM=\(terminal) \(Loupe.executable.path) console --run \(run)")
        defer { Self.endSession() }
        _ = try Self.waitFor("Loupe · tiny")
        // The best-scored image as an overlay in each colour map first: hundreds of colour pairs.
        var pane = TerminalCapture("")
        var realPairs = Set<String>()
        for map in ["turbo", "inferno", "viridis", "jet", "turbo"] {
            if !pane.rows.isEmpty { try Self.keys("m") }
            pane = try Self.waitFor("the overlay in \(map)") { $0.line(1).contains("[overlay · \(map)]") && !$0.line(1).contains("computing") }
            Thread.sleep(forTimeInterval: 0.3)  // the rest of the frame
            pane = try Self.capture()
            realPairs.formUnion((2..<34).flatMap { y in (52..<116).map { x in "\(pane[x, y].foreground)/\(pane[x, y].background)" } })
        }
        #expect(realPairs.count > 300, "the real image used only \(realPairs.count) colour pairs")

        // Threshold 1 (typed in the histogram), then the ramp image (first by name) as a heat map.
        try Self.keys("Tab", "=", "1", "Enter", "1", "s", "PPage", "PPage", "PPage", "PPage", "PPage", "o", "o", "o")
        pane = try Self.waitFor("the ramp image") {
            $0.line(0).contains("threshold 1.0000") && $0.rows.count > 2 && $0.line(2).hasPrefix("▶") && $0.line(2).contains("foreign/000.png")
                && $0.line(1).contains("[heat · turbo]") && !$0.line(1).contains("computing")
        }
        let (left, top) = (BrowserView.listWidth + 2, 2)
        for step in 0..<ColourMap.allCases.count {
            if step > 0 { try Self.keys("m") }
            let expectedMap = ColourMap.allCases[(ColourMap.allCases.firstIndex(of: .turbo)! + step) % ColourMap.allCases.count]
            func wrongCells(_ pane: TerminalCapture) -> [String] {
                var wrong: [String] = []
                for row in 0..<(size / 2) {
                    for band in 0..<16 {
                        let value = bands[row < size / 4 ? band : 15 - band]
                        let (r, g, b) = expectedMap.colour(value / 2)
                        let expected = Self.sent(red: r, green: g, blue: b, depth: depth)
                        for column in [4 * band + 1, 4 * band + 2] {
                            let cell = pane[left + column, top + row]
                            if cell.character != "▀" || cell.foreground != expected || cell.background != expected {
                                wrong.append("(\(column), \(row)) \(cell.character) \(cell.foreground)/\(cell.background), expected \(expected)")
                            }
                        }
                    }
                }
                return wrong
            }
            // The label is drawn before the pane's last rows: wait for the whole frame.
            pane = try Self.waitFor(seconds: 10, "[heat · \(expectedMap.rawValue)] with the colour map's ramp") {
                $0.line(1).contains("[heat · \(expectedMap.rawValue)]") && wrongCells($0).isEmpty
            }
            let wrong = wrongCells(pane)
            #expect(wrong.count == 0, "\(expectedMap): \(wrong.count) cells off, e.g. \(wrong.prefix(4))")
        }

        // The title bar spans the width; the key bar is the accent on the default background.
        #expect((0..<width).allSatisfy { pane[$0, 0].background == Self.colour(.titleBar, depth: depth) },
                "title bar: \((0..<width).map { pane[$0, 0].background })")
        #expect(pane[0, 0].foreground == Self.colour(.titleText, depth: depth))
        let keyBar = pane.rows[height - 1].filter { $0.character != " " }
        #expect(!keyBar.isEmpty && keyBar.allSatisfy { $0.foreground == Self.colour(.accent, depth: depth) && $0.background != $0.foreground })

        // Histogram: every bar cell is the theme's good or defect colour, and both appear.
        try Self.keys("Tab")
        pane = try Self.waitFor("the histogram") { pane in (0..<height).contains { pane.line($0).contains("actual defect") } }
        let bars = (1..<(height - 10)).flatMap { y in pane.rows[y].filter { $0.character == "█" } }
        let barColours = Set(bars.map(\.foreground))
        #expect(barColours == [Self.colour(.good, depth: depth), Self.colour(.defect, depth: depth)], "bar colours \(barColours)")
        let legend = try #require(pane.rows.firstIndex { String($0.map(\.character)).contains("good █  defective █") })
        let swatches = pane.rows[legend].filter { $0.character == "█" }.map(\.foreground)
        #expect(swatches == [Self.colour(.good, depth: depth), Self.colour(.defect, depth: depth)])
        try Self.keys("q")
        _ = try Self.waitFor("exit=0", seconds: 20)
    }

    /// Resizing at any moment redraws at the new size: in every view, with the help open,
    /// while training and scoring; windows too small for a view say so; `q` exits 0. The
    /// run is an rd-mff one trained in the console (rd is the other test's).
    @Test func resizesRedrawInEveryViewAndWhileTraining() throws {
        guard Self.tmuxAvailable, Self.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-resize-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A new run: the console trains it (Training view), then scores the test set.
        try Self.startSession(width: 80, height: 24, command: "TERM=xterm-256color \(Loupe.executable.path) console --run \(folder)/fresh --data samples/texture --size 64 --epochs 4 --method rd-mff --heads 2")
        defer { Self.endSession() }
        _ = try Self.waitFor("Loupe · fresh")
        func resize(_ width: Int, _ height: Int, expecting text: String) throws {
            try Self.tmux("resize-window", "-t", Self.session, "-x", "\(width)", "-y", "\(height)")
            let pane = try Self.waitFor(seconds: 20, "\(text) at \(width)×\(height)") { pane in
                pane.line(0).hasPrefix(" Loupe · fresh") && pane.rows.count == height && pane.rows[0].count == width
                    && (0..<width).allSatisfy { pane[$0, 0].background == Self.colour(.titleBar) }
                    && (0..<height).contains { pane.line($0).contains(text) }
            }
            #expect(pane.rows.count == height)
        }
        // While training (the console starts in the Training view), up and down.
        try resize(120, 30, expecting: "loss")
        try resize(40, 12, expecting: "loss")
        try resize(200, 50, expecting: "loss")
        // The help overlay open.
        try Self.keys("?")
        try resize(100, 30, expecting: "training keys")
        try Self.keys("Escape")
        // Every view, small and large, while the job trains or scores.
        try Self.keys("1")
        try resize(40, 12, expecting: "score  verdict")
        try Self.keys("2")
        try resize(40, 12, expecting: "too small")
        try resize(120, 36, expecting: "predicted defect")
        try Self.keys("4")
        try resize(30, 12, expecting: "too small")
        try resize(90, 20, expecting: "marks")
        // Once scored, the browser at several sizes, then quit.
        try Self.keys("1")
        _ = try Self.waitFor("the scored test set", { $0.line(1).contains("48/48") })
        for (width, height) in [(60, 15), (160, 45), (40, 12), (120, 36)] { try resize(width, height, expecting: "score  verdict") }
        try Self.keys("q")
        let pane = try Self.waitFor("exit=0", seconds: 20)
        #expect(!pane.contains("Loupe · fresh"))
        #expect(try String(contentsOfFile: folder + "/fresh/config.toml", encoding: .utf8).contains("method = \"rd-mff\""))
    }

    /// The threshold in the title bar ("threshold 1.2345").
    static func threshold(in pane: String) -> Float? {
        guard let range = pane.range(of: "threshold ") else { return nil }
        return Float(pane[range.upperBound...].prefix(6))
    }
}
