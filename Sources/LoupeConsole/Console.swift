import CNcursesw
import Foundation
import LoupeData
import LoupeEngine
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor

/// `loupe console`: browse a run's scored test images, tune the threshold, watch and start
/// training, mark mistakes. State changes only through keys and job events; each frame
/// redraws from state. Training, scoring and maps run in the background: the UI thread only
/// drains events and draws, so frames stay short while the cores train.
public final class Console: TerminalApplication {
    let run: RunFolder
    public private(set) var state: ConsoleState
    let theme: Theme
    let journal: ReviewJournal
    /// The data set the run trains and scores on.
    let data: DatasetSource?
    /// Settings for a training started here when the run has no checkpoint yet.
    let newRunConfiguration: TrainingConfiguration
    /// The ROI run: a new run trains with it; a trained run's recorded one found here if moved.
    let regionRun: String?
    private let maps: MapWorker
    /// A/B: the compared run's maps.
    private let comparisonMaps: MapWorker?
    private var masks: [String: String] = [:]
    private var job: BackgroundJob?
    private var jobIsTraining = false
    /// The run's input size: the pane shows images at the resolution the model sees.
    private var imageSize: Int
    /// The last composed pane of each side (A, B) and what it was made from: redrawing the
    /// same pane is free.
    private var paneCache: [Int: (key: String, image: Image)] = [:]
    private var baseCache: [Int: (name: String, width: Int, height: Int, image: Image?, mask: [Bool]?)] = [:]
    public private(set) var frameTimes = FrameTimes()

    /// Opens a run. Without a checkpoint it trains one on `data` first (Training view);
    /// without scores.csv it scores the test set in the background, images appearing as
    /// they are scored. With `comparedWith` (A/B), that run's scores, maps and verdicts show
    /// beside this one's: it must be scored (`loupe eval`) on the same data set.
    public init(run: RunFolder, data: DatasetSource? = nil, theme: Theme = .standard,
                newRunConfiguration: TrainingConfiguration = TrainingConfiguration(), comparedWith other: RunFolder? = nil,
                regionRun: String? = nil) throws {
        self.run = run
        self.theme = theme
        self.newRunConfiguration = newRunConfiguration
        self.regionRun = regionRun
        maps = MapWorker(run: run, regionRun: regionRun)
        var comparison: ConsoleState.Comparison?
        if let other {
            comparison = try Self.comparison(of: run, with: other)
            comparisonMaps = MapWorker(run: other)
        } else {
            comparisonMaps = nil
        }
        var threshold: Float?
        var source = data
        imageSize = newRunConfiguration.imageSize
        var configuredEpochs = 0
        if run.exists {
            let metadata = try Checkpoint.read(run.checkpoint).metadata
            configuredEpochs = metadata.configuration.epochs
            threshold = metadata.threshold
            imageSize = metadata.configuration.imageSize
            source = source ?? metadata.data
        } else if data == nil {
            throw RunError.missingRun(path: run.path + " (or pass --data DIR to train it from the console)")
        }
        self.data = source
        journal = try ReviewJournal(path: run.reviewJournal)
        let images = FileManager.default.fileExists(atPath: run.scores) ? try Self.readScores(run.scores) : []
        var masks: [String: String] = [:]
        if let source, let dataset = try? source.open() {
            for sample in dataset.testSamples { masks[sample.path] = sample.maskPath }
        }
        self.masks = masks
        state = ConsoleState(runName: (run.path as NSString).lastPathComponent, images: images.map { Self.withMask($0, masks) },
                             threshold: threshold, marks: journal.currentVerdicts.mapValues(\.verdict), colourMap: theme.colourMap,
                             comparison: comparison)
        if let warning = journal.warnings.first { state.say(warning) }
        if run.exists {
            // The Training view opens on the run's history.
            state.training = TrainingProgress(history: TrainLog.rows(at: run.trainLog), epochs: configuredEpochs)
        }
        if !run.exists {
            try startTraining()
        } else if images.isEmpty {
            startScoring()
        }
    }

    /// Run B for A/B beside `run`: both trained on the same data set, B scored.
    static func comparison(of run: RunFolder, with other: RunFolder) throws -> ConsoleState.Comparison {
        let name = (other.path as NSString).lastPathComponent
        let mine = try Checkpoint.readMetadata(run.checkpoint), theirs = try Checkpoint.readMetadata(other.checkpoint)
        // The same folder, however each run named it (relative or absolute).
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        guard absolute(mine.dataRoot) == absolute(theirs.dataRoot) else {
            throw ConsoleError.differentData(a: run.path, aData: mine.dataRoot, b: other.path, bData: theirs.dataRoot)
        }
        guard FileManager.default.fileExists(atPath: other.scores) else { throw ConsoleError.notScored(run: other.path) }
        return ConsoleState.Comparison(runName: name, images: try readScores(other.scores), threshold: theirs.threshold)
    }

    private static func withMask(_ image: ThresholdTuning.Image, _ masks: [String: String]) -> ThresholdTuning.Image {
        ThresholdTuning.Image(name: image.name, score: image.score, isDefect: image.isDefect, kind: image.kind,
                              maskPath: image.maskPath ?? masks[image.name])
    }

    /// scores.csv rows (file, kind, label, score, verdict).
    static func readScores(_ path: String) throws -> [ThresholdTuning.Image] {
        try ScoresFile.read(path).map { ThresholdTuning.Image(name: $0.file, score: $0.score, isDefect: $0.isDefect, kind: $0.kind) }
    }

    // MARK: Jobs

    private func startTraining() throws {
        guard let data else { throw RunError.missingRun(path: run.path) }
        let dataset = try data.open()
        let metadata = run.exists ? try Checkpoint.read(run.checkpoint).metadata : nil
        let configuration = metadata?.configuration ?? newRunConfiguration
        let training = TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: metadata?.teacherWeightsPaths, resume: run.exists,
                                   featureStoreDirectory: FeatureStore.defaultDirectory, regionRun: regionRun)
        // A resumed run keeps the curve of its finished epochs (the job drops later rows).
        state.training.restart(epochs: configuration.epochs, history: metadata.map { TrainLog.rows(at: run.trainLog, throughEpoch: $0.epoch) } ?? [])
        imageSize = configuration.imageSize
        job = BackgroundJob.training(training)
        jobIsTraining = true
        state.show(.training)
    }

    private func startScoring() {
        job = BackgroundJob.evaluation(EvaluationJob(run: run, data: data, regionRun: regionRun))
        jobIsTraining = false
    }

    /// Drains the running job's events into the state; true when anything changed.
    @discardableResult
    public func pump() -> Bool {
        var changed = maps.takeReady()
        if comparisonMaps?.takeReady() == true { changed = true }
        guard let job else { return changed }
        var scored: [ThresholdTuning.Image] = []
        defer { state.add(scored) }
        for event in job.events.drain() {
            changed = true
            state.training.apply(event)
            switch event {
            case let .scored(image):
                scored.append(Self.withMask(ThresholdTuning.Image(name: image.path, score: image.score, isDefect: image.isDefect, kind: image.kind), masks))
            case .finished where jobIsTraining:
                // A new model: old maps and scores no longer apply; score the test set again.
                maps.invalidate()
                paneCache = [:]
                rebuildState(images: [])
                startScoring()
                state.say("training finished: scoring the test set (Tab to the browser)")
                return true
            case .finished:
                self.job = nil
                if let images = try? Self.readScores(run.scores) {
                    rebuildState(images: images)
                    scored = []  // already in scores.csv
                }
                state.say("scored \(state.tuning.images.count) images")
            case .failed, .cancelled:
                self.job = nil
            default: break
            }
        }
        return changed
    }

    /// Fresh state with the run's current threshold, keeping the operator's view and marks.
    private func rebuildState(images: [ThresholdTuning.Image]) {
        let threshold = (try? Checkpoint.read(run.checkpoint).metadata.threshold) ?? nil
        var fresh = ConsoleState(runName: state.runName, images: [], threshold: threshold ?? state.tuning.threshold,
                                 marks: state.marks, colourMap: state.colourMap, comparison: state.comparison)
        fresh.training = state.training
        fresh.show(state.view)
        fresh.add(images.map { Self.withMask($0, masks) })
        state = fresh
    }

    /// Blocks until the background job ends (tests and scripts; never the UI).
    public func waitForJob() {
        job?.wait()
        pump()
    }

    // MARK: Keys and frames

    /// Applies a key and carries out what it asked for. A write that fails (disk full,
    /// read-only folder) is said on screen and claims nothing; the console stays open.
    public func handle(_ key: ConsoleKey) throws {
        state.handle(key)
        for request in state.takeRequests() {
            switch request {
            case let .appendMark(mark):
                do {
                    try journal.append(mark)
                } catch {
                    state.markNotSaved(mark, saved: journal.currentVerdicts[mark.image]?.verdict, reason: Self.failedWrite(error))
                }
            case let .saveThreshold(threshold):
                do { try run.saveThreshold(threshold) } catch { state.say("threshold NOT saved: " + Self.failedWrite(error)) }
            case .startTraining:
                do { try startTraining() } catch { state.say("cannot train: \(error)") }
            case .stopTraining: job?.cancel()
            case .exportMarks:
                do {
                    try RunFolder.write(journal.csv(), to: run.reviewExport)
                    state.say("\(journal.currentVerdicts.count) marks exported to \(run.reviewExport)")
                } catch {
                    state.say("marks NOT exported: " + Self.failedWrite(error))
                }
            case .addFalsePositivesToTraining: addFalsePositivesToTraining()
            }
        }
    }

    /// A failed write for the status line, which is too narrow for a full path: "No space
    /// left on device (review.jsonl)".
    static func failedWrite(_ error: Error) -> String {
        guard let (path, reason) = (error as? FileWriteFailure)?.failedWrite else { return "\(error)" }
        return reason + " (" + (path as NSString).lastPathComponent + ")"
    }

    /// Copies each marked false positive into the data set's train/good (as
    /// review-<kind>-<name>), so the next training learns it is good.
    private func addFalsePositivesToTraining() {
        guard let dataset = try? data?.open() else { return state.say("no data set to add to") }
        guard let folder = dataset.trainingFolder else {
            return state.say("the training images are listed in a split CSV: add the marked images to its train rows")
        }
        var added = 0, present = 0
        for (name, verdict) in state.marks where verdict == .falsePositive {
            let kind = state.tuning.images.first { $0.name == name }?.kind ?? "image"
            let target = folder + "/review-" + kind + "-" + (name as NSString).lastPathComponent
            if FileManager.default.fileExists(atPath: target) { present += 1; continue }
            do {
                try FileManager.default.copyItem(atPath: name, toPath: target)
                added += 1
            } catch {
                return state.say("cannot copy \(name) to \(target): \(error.localizedDescription)")
            }
        }
        state.say("\(added) false positives added to \(folder)" + (present > 0 ? " (\(present) were already there)" : "") + "; train again to use them")
    }

    /// The selected image as the pane mode shows it, and a note while its map is computed;
    /// `side` 1 is run B's (A/B). The decoded image and the composed pane are kept, so frames
    /// that show the same pane (or wait for its map) only draw. Tiled runs show the full
    /// frame with its stitched map; zoomed (`z`), the pane shows native pixels around the
    /// map's hottest point.
    func paneImage(size: Int, columns: Int, rows: Int, side: Int = 0) -> (Image?, String?) {
        guard let item = state.selectedItem, let worker = side == 0 ? maps : comparisonMaps else { return (nil, nil) }
        let threshold = side == 0 ? state.tuning.threshold : state.comparison?.tuning.threshold ?? state.tuning.threshold
        let map = worker.map(for: item.name, kind: item.kind)
        // The map's resolution (native for tiled runs), or the input size until it is known.
        let (width, height) = map.map { ($0.width, $0.height) } ?? (size, size)
        if baseCache[side]?.name != item.name || baseCache[side]?.width != width || baseCache[side]?.height != height {
            let image = try? ImageFile.read(item.name, resizedTo: width, height).rgb()
            let mask = item.maskPath.flatMap { try? Preprocessing.mask($0, width: width, height: height) }
            baseCache[side] = (item.name, width, height, image, mask)
        }
        guard let base = baseCache[side], let image = base.image else { return (nil, "cannot read \(item.name)") }
        let contour = theme.colours[.contour] ?? (255, 0, 255)
        let region = state.showsRegion ? map?.region : nil
        guard state.pane != .image, let map else {
            let note = state.pane == .image ? nil : worker.failure(for: item.name).map { "map failed: \($0)" } ?? "computing map…"
            let shown = region.map { PaneImage.boxed(image.rgb(), region: $0, colour: contour) } ?? image
            return (zoomed(shown, map: map, columns: columns, rows: rows), note)
        }
        let key = "\(item.name)|\(state.pane)|\(state.colourMap)|\(threshold)|\(width)x\(height)|\(state.zoomed)|\(columns)x\(rows)|\(region != nil)"
        if let cached = paneCache[side], cached.key == key { return (cached.image, nil) }
        var composed = PaneImage.compose(state.pane, image: image, map: map.values, mask: base.mask, threshold: threshold,
                                         colourMap: state.colourMap, contour: contour)
        if let region { composed = PaneImage.boxed(composed, region: region, colour: contour) }
        let shown = zoomed(composed, map: map, columns: columns, rows: rows)
        paneCache[side] = (key, shown)
        return (shown, nil)
    }

    /// At 1:1 (zoomed) the pane shows a pane-sized crop of native pixels centred on the
    /// map's maximum; otherwise the whole image, scaled to fit.
    private func zoomed(_ image: Image, map: MapWorker.FrameMap?, columns: Int, rows: Int) -> Image {
        guard state.zoomed else { return image }
        let (cropWidth, cropHeight) = (min(image.width, columns), min(image.height, 2 * rows))
        var centre = (image.width / 2, image.height / 2)
        if let map, let hottest = map.values.indices.max(by: { map.values[$0] < map.values[$1] }) {
            centre = (hottest % map.width, hottest / map.width)
        }
        let x = min(max(0, centre.0 - cropWidth / 2), image.width - cropWidth)
        let y = min(max(0, centre.1 - cropHeight / 2), image.height - cropHeight)
        return image.cropped(x: x, y: y, width: cropWidth, height: cropHeight)
    }

    /// Draws the current view onto `screen` and records how long the frame took.
    public func draw(on screen: any Screen) {
        frameTimes.measure {
            if Chrome.drawsTooSmall(state, theme: theme, on: screen) {
                // Nothing else fits; the help overlay still opens over the note.
            } else {
                drawView(on: screen)
            }
            if state.showsHelp { HelpOverlay().draw(state, theme: theme, on: screen) }
            screen.present()
        }
    }

    private func drawView(on screen: any Screen) {
        switch state.view {
        case .browser where state.comparison != nil:
            let columns = max(1, (screen.width - BrowserView.comparisonListWidth - 4) / 2), rows = max(1, screen.height - 5)
            let (pane, note) = paneImage(size: imageSize, columns: columns, rows: rows)
            let (paneB, noteB) = paneImage(size: imageSize, columns: columns, rows: rows, side: 1)
            BrowserView().draw(state, pane: pane, paneNote: note ?? noteB.map { "B: " + $0 }, paneB: paneB, theme: theme, on: screen)
        case .browser:
            let (pane, note) = paneImage(size: imageSize, columns: max(1, screen.width - BrowserView.listWidth - 3), rows: max(1, screen.height - 4))
            BrowserView().draw(state, pane: pane, paneNote: note, theme: theme, on: screen)
        case .histogram: HistogramView().draw(state, theme: theme, on: screen)
        case .training: TrainingView().draw(state, theme: theme, on: screen)
        case .review: ReviewView().draw(state, theme: theme, on: screen)
        }
    }

    public var isFinished: Bool { state.wantsToQuit }

    /// Stops the background job and waits for it (leaving the console).
    public func stop() {
        job?.cancel()
        job?.wait()
        maps.finish()
        comparisonMaps?.finish()
    }
}
