import Foundation

/// Progress on standard error: on a terminal a one-line bar with rate and ETA, redrawn at
/// most ten times a second; otherwise (Slurm, Kubernetes, `2> log`) a plain line every
/// `LOUPE_PROGRESS_SECONDS` (default 10) once the work has taken that long, and a last line
/// when it ends, so a long job in a log file never looks hung and a short one adds nothing.
final class ProgressBar: @unchecked Sendable {
    /// Set by `--quiet`: no bar, no plain line.
    nonisolated(unsafe) static var silenced = false
    private let label: String
    /// May grow once the amount of work is known.
    var total: Int
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()
    private let terminal = isatty(STDERR_FILENO) == 1
    /// Seconds between plain lines when standard error is no terminal.
    private let interval = ProcessInfo.processInfo.environment["LOUPE_PROGRESS_SECONDS"].flatMap(Double.init) ?? 10
    private var plainLines = 0
    private var lastDone = 0

    init(label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    func update(_ done: Int, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        lastDone = done
        guard !Self.silenced else { return }
        let now = Date()
        guard terminal else { return plainLine(done, now: now, note: note) }
        guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let fraction = Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\(label) \(bar) \(done)/\(total)  " + String(format: "%.1f/s  ETA ", rate) + Self.duration(remaining)
            + (note.isEmpty ? " " : "  \(note) ")
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard !Self.silenced else { return }
        guard terminal else {
            lock.withLock {
                guard plainLines > 0 else { return }
                let elapsed = Date().timeIntervalSince(start)
                FileHandle.standardError.write(Data("\(label): \(lastDone)/\(total) done in \(Self.duration(elapsed))\n".utf8))
            }
            return
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// A plain line (done/total, rate, ETA) when `interval` has passed since the last one.
    private func plainLine(_ done: Int, now: Date, note: String) {
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= interval * Double(plainLines + 1) else { return }
        plainLines += 1
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(label): \(done)/\(total)  " + String(format: "%.1f/s  ETA ", rate) + Self.duration(remaining) + (note.isEmpty ? "" : "  \(note)")
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
