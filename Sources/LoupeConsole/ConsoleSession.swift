import Foundation
import LoupeData
import LoupeEngine
import LoupeModels

/// `loupe console` without `--run`: the Runs view over a folder of runs, and the run (or
/// A/B pair) it opens. `0` in an opened run comes back; an opened run keeps its jobs
/// (training, scoring, maps) while the list is shown.
public final class ConsoleSession: TerminalApplication {
    public private(set) var browser: RunsBrowser
    let theme: Theme
    private let catalog: RunCatalog
    /// The run or A/B pair shown, by what opened it ("A" or "A|B").
    private var opened: (key: String, console: Console)?
    private var consoles: [String: Console] = [:]
    private var lastRefresh = Date.distantPast
    public private(set) var frameTimes = FrameTimes()

    public init(directory: String, theme: Theme = .standard) {
        catalog = RunCatalog(directory: directory)
        browser = RunsBrowser(directory: directory, runs: catalog.refresh())
        self.theme = theme
        lastRefresh = Date()
    }

    /// The opened run's console, if one is shown.
    public var console: Console? { opened?.console }

    public var isFinished: Bool { browser.wantsToQuit || (opened?.console.isFinished ?? false) }

    public func handle(_ key: ConsoleKey) throws {
        if let opened {
            if key == .character("0") && !opened.console.state.showsHelp && opened.console.state.typedThreshold == nil {
                self.opened = nil
                browser.update(catalog.refresh())
                browser.say("back to the runs; \(opened.console.state.runName) keeps its jobs running (opening it again returns to it)")
                return
            }
            return try opened.console.handle(key)
        }
        browser.handle(key)
        for request in browser.takeRequests() {
            do {
                switch request {
                case let .open(path): try open(key: path) { try Console(run: RunFolder(path), theme: theme) }
                case let .compare(a, b):
                    try open(key: a + "|" + b) { try Console(run: RunFolder(a), theme: theme, comparedWith: RunFolder(b)) }
                }
            } catch {
                browser.say("cannot open: \(error)")
            }
        }
    }

    private func open(key: String, _ make: () throws -> Console) throws {
        let console = try consoles[key] ?? make()
        consoles[key] = console
        opened = (key, console)
    }

    /// Drains the open consoles' events; in the Runs view, re-reads the runs every second
    /// (changed files only), so a run training elsewhere shows its progress.
    public func pump() -> Bool {
        var changed = false
        for console in consoles.values where console.pump() { changed = changed || console === opened?.console }
        if opened == nil, Date().timeIntervalSince(lastRefresh) >= 1 {
            lastRefresh = Date()
            let before = browser.runs
            browser.update(catalog.refresh())
            changed = changed || browser.runs != before
        }
        return changed
    }

    public func draw(on screen: any Screen) {
        frameTimes.measure {
            if let console = opened?.console {
                console.draw(on: screen)
            } else {
                RunsView().draw(browser, theme: theme, on: screen)
                screen.present()
            }
        }
    }

    public func stop() {
        for console in consoles.values { console.stop() }
    }
}
