import Foundation

/// Good and defect score distributions with the threshold cursor and what the threshold
/// means: confusion counts, TPR, FPR, precision, F1.
public struct HistogramView {
    public init() {}

    public func draw(_ state: ConsoleState, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, on: screen)
        let tuning = state.tuning
        let (good, defect) = tuning.histogram
        let chartHeight = max(3, screen.height - 10)
        let tallest = max(1, (good + defect).max() ?? 1)
        let columnWidth = max(1, min(3, (screen.width - 2) / max(tuning.binCount, 1)))
        for bin in 0..<tuning.binCount {
            let x = 1 + bin * columnWidth
            let goodHeight = good[bin] * chartHeight / tallest, defectHeight = defect[bin] * chartHeight / tallest
            for level in 0..<chartHeight {
                let y = 1 + chartHeight - level
                let character: Character
                let colour: TerminalColour
                if level < goodHeight && level < defectHeight { character = "▓"; colour = .palette(3) }
                else if level < goodHeight { character = "█"; colour = .palette(2) }
                else if level < defectHeight { character = "█"; colour = .palette(1) }
                else { character = bin == tuning.thresholdBin ? "│" : " "; colour = .palette(7) }
                for dx in 0..<columnWidth { screen.put(Cell(character, foreground: colour), x: x + dx, y: y) }
            }
        }
        let cursorX = 1 + tuning.thresholdBin * columnWidth
        screen.text("▲", x: cursorX, y: chartHeight + 2, bold: true)
        screen.text(String(format: "%.3f", tuning.lowest), x: 1, y: chartHeight + 3)
        screen.text(String(format: "%.3f", tuning.highest), x: max(1, 1 + tuning.binCount * columnWidth - 5), y: chartHeight + 3)
        let c = tuning.confusion
        let stats = [
            String(format: "threshold %.4f   TPR %.3f   FPR %.3f   precision %.3f   F1 %.3f",
                   tuning.threshold, c.truePositiveRate, c.falsePositiveRate, c.precision, c.f1),
            "                 predicted defect   predicted good",
            String(format: "actual defect    %16d   %14d", c.truePositives, c.falseNegatives),
            String(format: "actual good      %16d   %14d", c.falsePositives, c.trueNegatives),
            "green: good images  red: defective  yellow: both",
        ]
        for (offset, line) in stats.enumerated() { screen.text(line, x: 1, y: chartHeight + 4 + offset) }
        Chrome.keys("←→ move threshold  b best F1  p 1 % FPR  s save to run  Tab browser  q quit", state, on: screen)
    }
}
