import Foundation
@testable import LoupeConsole
import LoupeEngine
import LoupeModels
import Testing

/// The Runs view's state and drawing, and A/B in the Browser, in memory.
@Suite struct RunsViewTests {
    static let runs = [
        RunSummary(path: "runs/b-sacd", method: "sacd", teacher: "efficientnet-lite0", input: "tile 256", epochs: 30, progress: .finished,
                   threshold: 1.5, metrics: ["image_auroc": 0.80, "aupro_0.3": 0.82, "pixel_ap": 0.10]),
        RunSummary(path: "runs/a-rd", method: "rd", teacher: "efficientnet-lite0", input: "256", epochs: 30, progress: .stopped(epoch: 12),
                   threshold: 1.2, metrics: ["image_auroc": 0.65, "aupro_0.3": 0.78, "pixel_ap": 0.02]),
        RunSummary(path: "runs/c-new", method: "pfadseg", teacher: "efficientnet-lite2", input: "192", epochs: 30, progress: .training(epoch: 3)),
        RunSummary(path: "runs/d-torn", progress: .untrained, problem: "model.safetensors: damaged checkpoint: truncated"),
    ]

    @Test func sortsByEveryColumnMetricsBestFirstAndMissingLast() {
        var browser = RunsBrowser(directory: "runs", runs: Self.runs)
        #expect(browser.rows.map(\.name) == ["a-rd", "b-sacd", "c-new", "d-torn"])
        browser.handle(.right)  // variant
        #expect(browser.sortColumn == .variant && browser.rows.map(\.name) == ["c-new", "a-rd", "b-sacd", "d-torn"])
        while browser.sortColumn != .aupro { browser.handle(.right) }
        #expect(browser.descending && browser.rows.map(\.name) == ["b-sacd", "a-rd", "c-new", "d-torn"])
        browser.handle(.character("r"))
        #expect(browser.rows.map(\.name) == ["a-rd", "b-sacd", "c-new", "d-torn"], "lowest first, runs without the value still last")
        while browser.sortColumn != .state { browser.handle(.left) }
        browser.handle(.character("r"))
        #expect(browser.rows.map(\.name) == ["b-sacd", "c-new", "a-rd", "d-torn"], "finished, training, stopped, unreadable")
        // Every column sorts without losing a row.
        for _ in RunsBrowser.Column.allCases {
            browser.handle(.right)
            #expect(Set(browser.rows.map(\.name)) == Set(Self.runs.map(\.name)))
        }
    }

    /// Two runs of one method with different options read differently: the variant is the
    /// method plus the settings that differ from its defaults, in `make accept`'s form; the
    /// column sorts by it and / filters by it.
    @Test func variantColumnNamesChangedOptionsAndFilters() throws {
        func configuration(_ method: String, _ settings: [String: SettingValue]) -> TrainingConfiguration {
            var configuration = TrainingConfiguration()
            configuration.method = method
            configuration.settings = settings
            return configuration
        }
        #expect(configuration("stu-seg", [:]).variant == "stu-seg")
        #expect(configuration("stu-seg", ["segmentation": .bool(true)]).variant == "stu-seg", "a default given explicitly is no change")
        #expect(configuration("stu-seg", ["segmentation": .bool(false)]).variant == "stu-seg:no-segmentation")
        #expect(configuration("stu-seg", ["student_map": .bool(true), "segmentation_share": .real(0.3)]).variant
                == "stu-seg:student-map+segmentation-share=0.3", "declaration order, dashes as on the command line")
        #expect(configuration("rd-mff", ["transformer": .bool(false), "heads": .integer(2)]).variant == "rd-mff:no-transformer+heads=2")
        let runs = [
            RunSummary(path: "runs/s1", method: "stu-seg", variant: "stu-seg", teacher: "efficientnet-lite0", input: "tile 256", epochs: 30,
                       progress: .finished, metrics: ["aupro_0.3": 0.745]),
            RunSummary(path: "runs/s2", method: "stu-seg", variant: "stu-seg:no-segmentation", teacher: "efficientnet-lite0", input: "tile 256",
                       epochs: 30, progress: .finished, metrics: ["aupro_0.3": 0.863]),
        ] + Self.runs
        var browser = RunsBrowser(directory: "runs", runs: runs)
        let screen = MemoryScreen(width: 160, height: 12)
        RunsView().draw(browser, on: screen)
        let text = ViewTests.text(screen)
        #expect(screen.line(1).contains("variant"))
        #expect(text.contains("stu-seg:no-segmentation") && screen.line(2 + browser.rows.firstIndex { $0.name == "s1" }!).contains("stu-seg  "))
        for key in "/no-seg" { browser.handle(.character(key)) }
        RunsView().draw(browser, on: screen)
        #expect(screen.line(11).contains("filter runs by variant or name: no-seg█"))
        browser.handle(.enter)
        #expect(browser.rows.map(\.name) == ["s2"] && browser.message.contains("1 row matches 'no-seg'"))
        browser.handle(.character("/"))
        browser.handle(.enter)
        #expect(browser.rows.count == runs.count, "an empty filter lists every run")
    }

    @Test func marksOpenAndCompare() {
        var browser = RunsBrowser(directory: "runs", runs: Self.runs)
        browser.handle(.enter)
        #expect(browser.takeRequests() == [.open("runs/a-rd")])
        // Nothing marked: a opens the two first rows (readable ones) by the sorted column.
        browser.handle(.character("a"))
        #expect(browser.takeRequests() == [.compare("runs/a-rd", "runs/b-sacd")] && browser.message.contains("the two first by run"))
        browser.handle(.character(" "))
        browser.handle(.down)
        browser.handle(.character(" "))
        browser.handle(.down)
        browser.handle(.character(" "))
        #expect(browser.marked == ["runs/b-sacd", "runs/c-new"], "a third mark replaces A")
        browser.handle(.character("a"))
        #expect(browser.takeRequests() == [.compare("runs/b-sacd", "runs/c-new")])
        // A run that cannot be read says why instead of opening.
        browser.handle(.down)
        browser.handle(.enter)
        #expect(browser.takeRequests().isEmpty && browser.message.contains("damaged checkpoint"))
        // A refresh keeps the selection on the same run.
        browser.update(Array(Self.runs.reversed()))
        #expect(browser.selectedRun?.name == "d-torn")
    }

    /// The seeds of one variant share a row: the mean of each metric, the seeds in its name;
    /// g lists every seed; a row of seeds opens its best seed by the sorted metric, and a
    /// with nothing marked opens the two best rows side by side.
    @Test func seedsOfOneVariantShareARow() {
        func seed(_ variant: String, _ seed: UInt64, aupro: Double, input: String = "tile 256") -> RunSummary {
            RunSummary(path: "cmp/\(variant)-seed\(seed)", method: variant, variant: variant, teacher: "efficientnet-lite0", input: input, epochs: 30,
                       progress: .finished, threshold: 1, metrics: ["aupro_0.3": aupro, "image_auroc": 0.5 + aupro / 10], data: "pcb", seed: seed)
        }
        let runs = [seed("rd", 0, aupro: 0.78), seed("rd", 1, aupro: 0.80), seed("rd", 2, aupro: 0.76), seed("sacd", 0, aupro: 0.81),
                    seed("sacd", 1, aupro: 0.85), seed("sacd", 2, aupro: 0.71, input: "256")]
        var browser = RunsBrowser(directory: "cmp", runs: runs)
        #expect(browser.rows.map(\.name) == ["rd · seeds 0,1,2", "sacd · seeds 0,1", "sacd-seed2"], "another input is another row")
        // Runs named apart are the user's own: never folded, whatever their seeds.
        let named = [RunSummary(path: "cmp/first", method: "rd", variant: "rd", input: "256", epochs: 30, progress: .finished, data: "pcb", seed: 1),
                     RunSummary(path: "cmp/second", method: "rd", variant: "rd", input: "256", epochs: 30, progress: .finished, data: "pcb", seed: 2)]
        #expect(RunsBrowser(directory: "cmp", runs: named).rows.map(\.name) == ["first", "second"])
        #expect(abs(browser.rows[0].metrics["aupro_0.3"]! - 0.78) < 1e-12 && abs(browser.rows[1].metrics["aupro_0.3"]! - 0.83) < 1e-12)
        let screen = MemoryScreen(width: 170, height: 10)
        RunsView().draw(browser, on: screen)
        #expect(screen.line(0).contains("6 runs, seeds grouped"), "\(screen.line(0))")
        #expect(screen.line(2).contains("rd · seeds 0,1,2") && screen.line(2).contains("78.0"), "\(screen.line(2))")
        #expect(screen.line(3).contains("83.0"), "the mean, one decimal")
        while browser.sortColumn != .aupro { browser.handle(.right) }
        #expect(browser.rows.map(\.name) == ["sacd · seeds 0,1", "rd · seeds 0,1,2", "sacd-seed2"])
        browser.handle(.up)
        browser.handle(.enter)
        #expect(browser.takeRequests() == [.open("cmp/sacd-seed1")] && browser.message.contains("best seed by AUPRO"))
        browser.handle(.character("a"))
        #expect(browser.takeRequests() == [.compare("cmp/sacd-seed1", "cmp/rd-seed1")])
        browser.handle(.character("g"))
        #expect(browser.rows.count == 6 && browser.rows.first?.name == "sacd-seed1" && browser.message.contains("every seed listed"))
        #expect(browser.selectedRun?.name == "sacd-seed0", "the selection stays on the group's first seed")
        browser.handle(.character("g"))
        #expect(browser.rows.count == 3 && browser.selectedRun?.name == "sacd · seeds 0,1")
    }

    @Test func rowsShowEachRunAndWhyOneCannotOpen() {
        var browser = RunsBrowser(directory: "runs", runs: Self.runs)
        browser.handle(.character(" "))
        let screen = MemoryScreen(width: 150, height: 12)
        RunsView().draw(browser, on: screen)
        #expect(screen.line(0).contains("runs in runs · 4 runs · sorted by run"))
        #expect(screen.line(1).contains("run") && screen.line(1).contains("AUPRO") && screen.line(1).contains("IAP"))
        #expect(screen.line(2).hasPrefix("▶A  a-rd") && screen.line(2).contains("stopped at 12") && screen.line(2).contains("78.0"))
        #expect(screen.line(3).contains("tile 256") && screen.line(3).contains("finished") && screen.line(3).contains("1.5000"))
        #expect(screen.line(4).contains("lite2") && screen.line(4).contains("training (3 done)"))
        #expect(screen.line(5).contains("d-torn") && screen.line(5).contains("damaged checkpoint: truncated"))
        let dual = RunSummary(path: "runs/e-dual", method: "rd-dual", teacher: "efficientnet-lite0,efficientnet-lite2", input: "256",
                              progress: .finished)
        #expect(RunsBrowser.cell(dual, .teacher) == "lite0+lite2")
        // A narrow window cuts rows, never wraps them.
        let narrow = MemoryScreen(width: 40, height: 8)
        RunsView().draw(browser, on: narrow)
        #expect(narrow.line(2).count <= 40)
    }

    static func comparedState() -> ConsoleState {
        let images = [("good/0.png", Float(0.2), false), ("good/1.png", 0.9, false), ("hole/0.png", 0.8, true), ("hole/1.png", 0.3, true)]
            .map { ThresholdTuning.Image(name: $0.0, score: $0.1, isDefect: $0.2, kind: $0.2 ? "hole" : "good") }
        // B's scores are on another scale; it ranks good/1 lowest and hole/1 highest.
        let other = [("good/0.png", Float(12), false), ("good/1.png", 10, false), ("hole/0.png", 30, true), ("hole/1.png", 40, true)]
            .map { ThresholdTuning.Image(name: $0.0, score: $0.1, isDefect: $0.2) }
        return ConsoleState(runName: "a", images: images, threshold: 0.5,
                            comparison: ConsoleState.Comparison(runName: "b", images: other, threshold: 20))
    }

    @Test func disagreementFilterAndRankGapSort() {
        var state = Self.comparedState()
        // A: good/1 and hole/0 defect; B: hole/0 and hole/1 defect.
        while state.filter != .disagreeing { state.handle(.character("/")) }
        #expect(Set(state.items.map(\.name)) == ["good/1.png", "hole/1.png"])
        while state.filter != .all { state.handle(.character("/")) }
        state.handle(.character("s"))
        state.handle(.character("s"))
        #expect(state.sort == .difference)
        // Rank gaps: good/1 (A 1, B 0) and hole/1 (A 1/3, B 1) lead.
        #expect(state.items.map(\.name).prefix(2) == ["good/1.png", "hole/1.png"])
        state.handle(.character("s"))
        #expect(state.sort == .score)
    }

    @Test func browserShowsBothRunsScoresAndVerdicts() {
        var state = Self.comparedState()
        state.handle(.down)
        let screen = MemoryScreen(width: 140, height: 14)
        BrowserView().draw(state, pane: nil, paneB: nil, on: screen)
        #expect(screen.line(0).contains("A a (threshold 0.5000) · B b (threshold 20.0000)"))
        #expect(screen.line(1).hasPrefix(" A score  B score  A       B       truth"))
        #expect(screen.line(3).hasPrefix("▶ 0.8000  30.0000  defect  defect  hole"))
        #expect(screen.line(2).contains("A a 0.8000 defect") && screen.line(2).contains("B b 30.0000 defect"))
        #expect(screen.line(13).contains("marks → A's review.jsonl") && screen.line(13).contains("0 back to runs"))
        // The histogram shows B's distribution under A's, at B's own threshold.
        state.handle(.character("2"))
        let histogram = MemoryScreen(width: 140, height: 30)
        HistogramView().draw(state, on: histogram)
        #expect((0..<30).map(histogram.line).joined(separator: "\n").contains("B b at its threshold 20.0000"))
    }

    /// A/B lists long names of one kind by their distinguishing end, not their shared start.
    @Test func longNamesKeepTheirDistinguishingEnd() {
        let names = ["blowhole/exp4_num_2613.png", "blowhole/exp4_num_2614.png"]
        let images = names.enumerated().map { ThresholdTuning.Image(name: "/data/Blowhole/Imgs/" + $0.element.split(separator: "/")[1],
                                                                      score: Float($0.offset), isDefect: true, kind: "blowhole") }
        let state = ConsoleState(runName: "a", images: images, threshold: 0.5,
                                 comparison: ConsoleState.Comparison(runName: "b", images: images, threshold: 0.5))
        let screen = MemoryScreen(width: 140, height: 8)
        BrowserView().draw(state, pane: nil, paneB: nil, on: screen)
        let rows = [screen.line(2), screen.line(3)].map { String($0.prefix(BrowserView.comparisonListWidth)) }
        #expect(rows[0].hasSuffix("…exp4_num_2614.png") && rows[1].hasSuffix("…exp4_num_2613.png"), "\(rows)")
        #expect(Chrome.fitted("short.png", 20) == "short.png" && Chrome.fitted("abcdef", 4) == "…def")
    }
}
