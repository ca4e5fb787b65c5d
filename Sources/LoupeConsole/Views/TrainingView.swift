import Foundation
import LoupeModels

/// Training as it happens: status, epoch and step, lr, images/s, ETA, the loss curve
/// (each step, and each epoch's mean), and what the end-of-training checks did.
public struct TrainingView {
    public init() {}

    public func draw(_ state: ConsoleState, theme: Theme = .standard, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, theme: theme, on: screen)
        let progress = state.training
        screen.text(Self.statusLine(progress), x: 1, y: 1, bold: true)
        let latest = progress.stepLosses.last.map { String(format: "%.4f", $0) } ?? "—"
        let epochMean = progress.epochLosses.last.map { String(format: "%.4f", $0) } ?? "—"
        let eta = progress.secondsRemaining.map(Self.duration) ?? "—"
        if let logged = progress.loggedSeconds, !progress.status.isRunning {
            screen.text(String(format: "loss %@ (last epoch mean %@)   lr %.5f   trained in %@ (from train-log.csv)", latest, epochMean,
                               progress.learningRate, Self.duration(logged)), x: 1, y: 2)
        } else {
            screen.text(String(format: "loss %@ (last epoch mean %@)   lr %.5f   %.1f images/s   ETA %@", latest, epochMean,
                               progress.learningRate, progress.imagesPerSecond, eta), x: 1, y: 2)
        }
        // Line 3: the loss's parts (methods with several), then what the end-of-training checks did.
        let line3 = (progress.stage.map { [$0] } ?? []) + (progress.latestTerms.isEmpty ? [] : ["terms" + LossTerm.describe(progress.latestTerms)])
            + progress.notes
        if !line3.isEmpty { screen.text(line3.joined(separator: "; "), x: 1, y: 3) }
        let chart = (x: 8, y: 4, width: max(10, screen.width - 10), height: max(4, screen.height - 9))
        drawCurve(progress, chart: chart, theme: theme, on: screen)
        screen.text("· loss per step   ━ mean per epoch" + (progress.stageStartSteps.isEmpty ? "" : "   ┊ next stage (its own loss)"),
                    x: chart.x, y: chart.y + chart.height + 2)
        Chrome.keys("t start training  x stop  Tab next view  q quit", state, theme: theme, on: screen)
    }

    /// One line for the title bar and the view: what the job is doing now.
    static func statusLine(_ progress: TrainingProgress) -> String {
        switch progress.status {
        case .idle: return "no training running (t starts one)"
        case let .cachingFeatures(done, total): return "teacher features \(done)/\(total)"
        case let .keepingFrozenFeatures(done, total): return "frozen student features \(done)/\(total)"
        case .training: return "epoch \(progress.epoch)/\(progress.epochs) · step \(progress.step)/\(progress.stepsPerEpoch)"
        case let .scoring(done, total): return "scoring test images \(done)/\(total)"
        case .finished: return "finished: \(progress.epochLosses.count) epochs"
        case let .failed(message): return "failed: \(message)"
        case .cancelled: return "stopped (t resumes from the last finished epoch)"
        }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60) : String(format: "%d:%02d", whole / 60, whole % 60)
    }

    private func drawCurve(_ progress: TrainingProgress, chart: (x: Int, y: Int, width: Int, height: Int), theme: Theme, on screen: any Screen) {
        let losses = progress.stepLosses
        guard !losses.isEmpty else {
            screen.text("the loss curve appears with the first step", x: chart.x, y: chart.y + chart.height / 2)
            return
        }
        let low = min(losses.min()!, progress.epochLosses.min() ?? .infinity), high = max(losses.max()!, low + 1e-6)
        func row(_ value: Float) -> Int {
            chart.y + chart.height - 1 - Int(((value - low) / (high - low) * Float(chart.height - 1)).rounded())
        }
        screen.text(String(format: "%7.3f", high), x: 0, y: chart.y)
        screen.text(String(format: "%7.3f", low), x: 0, y: chart.y + chart.height - 1)
        for y in chart.y..<(chart.y + chart.height) { screen.put(Cell("│"), x: chart.x - 1, y: y) }
        // Steps spread over the width (several steps per column are averaged).
        let columns = min(chart.width, losses.count)
        for start in progress.stageStartSteps {
            for y in chart.y..<(chart.y + chart.height) {
                screen.put(Cell("┊", foreground: theme.colour(.accent, depth: screen.depth)), x: chart.x + start * columns / losses.count, y: y)
            }
        }
        for column in 0..<columns {
            let range = (losses.count * column / columns)..<max(losses.count * (column + 1) / columns, losses.count * column / columns + 1)
            let mean = losses[range].reduce(0, +) / Float(range.count)
            screen.put(Cell("•", foreground: theme.colour(.curve, depth: screen.depth)), x: chart.x + column, y: row(mean))
        }
        drawEpochAxis(progress, columns: columns, chart: chart, theme: theme, on: screen)
        // Epoch means as level segments over that epoch's columns.
        let stepsPerEpoch = max(progress.stepsPerEpoch, 1)
        for (epoch, mean) in progress.epochLosses.enumerated() {
            let start = epoch * stepsPerEpoch * columns / losses.count, end = min(columns, (epoch + 1) * stepsPerEpoch * columns / losses.count)
            for column in start..<max(end, start + 1) where column < columns {
                screen.put(Cell("━", foreground: theme.colour(.epochCurve, depth: screen.depth)), x: chart.x + column, y: row(mean))
            }
        }
    }

    /// Epochs under the curve: a tick where each labelled epoch begins (every 1, 2, 5, 10,
    /// 20… epochs, whichever keeps the labels apart) and, while training, the current one marked.
    private func drawEpochAxis(_ progress: TrainingProgress, columns: Int, chart: (x: Int, y: Int, width: Int, height: Int),
                               theme: Theme, on screen: any Screen) {
        let steps = progress.stepLosses.count, stepsPerEpoch = max(progress.stepsPerEpoch, 1)
        let axis = chart.y + chart.height, labels = axis + 1
        screen.text("epoch", x: 0, y: labels)
        for column in 0..<columns { screen.put(Cell("─"), x: chart.x + column, y: axis) }
        screen.put(Cell("└"), x: chart.x - 1, y: axis)
        let epochsShown = (steps + stepsPerEpoch - 1) / stepsPerEpoch
        func x(_ epoch: Int) -> Int { chart.x + (epoch - 1) * stepsPerEpoch * columns / max(steps, 1) }
        let columnsPerEpoch = Double(columns) / Double(max(epochsShown, 1))
        let every = Self.tickSpacing(columnsPerEpoch: columnsPerEpoch, minimumGap: 6)
        var labelEnd = chart.x - 1
        for epoch in stride(from: 1, through: epochsShown, by: 1) where epoch == 1 || epoch % every == 0 {
            screen.put(Cell("┴"), x: x(epoch), y: axis)
            if x(epoch) > labelEnd {
                screen.text("\(epoch)", x: x(epoch), y: labels)
                labelEnd = x(epoch) + "\(epoch)".count
            }
        }
        guard progress.status == .training, progress.epoch >= 1, progress.epoch <= epochsShown else { return }
        let current = x(progress.epoch), accent = theme.colour(.accent, depth: screen.depth)
        screen.put(Cell("▲", foreground: accent), x: current, y: axis)
        screen.text("\(progress.epoch)", x: current, y: labels, foreground: accent, bold: true)
    }

    /// The smallest of 1, 2, 5, 10, 20, 50… epochs whose ticks lie at least `minimumGap` columns apart.
    static func tickSpacing(columnsPerEpoch: Double, minimumGap: Int) -> Int {
        var scale = 1
        while true {
            for factor in [1, 2, 5] where Double(factor * scale) * columnsPerEpoch >= Double(minimumGap) { return factor * scale }
            scale *= 10
            if scale > 1_000_000 { return scale }
        }
    }
}
