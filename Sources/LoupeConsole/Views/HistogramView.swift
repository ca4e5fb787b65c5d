import Foundation

/// Good and defect score distributions (stacked or overlaid, linear or log counts) with the
/// threshold cursor and what the threshold means: confusion counts, TPR, FPR, precision, F1.
public struct HistogramView {
    public init() {}

    public func draw(_ state: ConsoleState, theme: Theme = .standard, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, theme: theme, on: screen)
        let tuning = state.tuning
        let chartHeight = max(3, screen.height - 11)
        // The bins plus an overflow column at each end, a gap between.
        let columnWidth = max(1, (screen.width - 4) / (max(tuning.binCount, 1) + 2))
        let (goodCell, defectCell, _) = Self.cells(theme, screen)
        if let comparison = state.comparison {
            // A/B: A's distribution above B's, each on its own score axis with its own
            // threshold (two methods' scores are on different scales).
            let half = max(2, (chartHeight - 3) / 2)
            drawBars(tuning, state, top: 1, height: half, columnWidth: columnWidth, theme: theme, on: screen)
            screen.text("A \(state.runName)", x: 12, y: half + 3, bold: true)
            drawBars(comparison.tuning, state, top: half + 4, height: chartHeight - half - 3, columnWidth: columnWidth, theme: theme, on: screen)
            let b = comparison.tuning.confusion
            screen.text(String(format: "B %@ at its threshold %.4f: TPR %.3f  FPR %.3f  F1 %.3f", comparison.runName, comparison.tuning.threshold,
                               b.truePositiveRate, b.falsePositiveRate, b.f1), x: 12, y: chartHeight + 3, bold: true)
        } else {
            drawBars(tuning, state, top: 1, height: chartHeight, columnWidth: columnWidth, theme: theme, on: screen)
        }
        let c = tuning.confusion
        let legend = state.histogramIsStacked ? "good below, defective stacked above" : "overlaid: both where they overlap"
        let stats = [
            (state.comparison == nil ? "" : "A: ") + String(format: "threshold %.4f   TPR %.3f   FPR %.3f   precision %.3f   F1 %.3f",
                   tuning.threshold, c.truePositiveRate, c.falsePositiveRate, c.precision, c.f1),
            "                 predicted defect   predicted good",
            String(format: "actual defect    %16d   %14d", c.truePositives, c.falseNegatives),
            String(format: "actual good      %16d   %14d", c.falsePositives, c.trueNegatives),
            "good \(goodCell.character)  defective \(defectCell.character)  · \(legend) · \(state.histogramIsLogarithmic ? "log" : "linear") counts",
        ]
        for (offset, line) in stats.enumerated() { screen.text(line, x: 1, y: chartHeight + 4 + offset) }
        // The legend's swatches in the bars' own colours.
        screen.put(goodCell, x: 6, y: chartHeight + 8)
        screen.put(defectCell, x: 19, y: chartHeight + 8)
        if let typed = state.typedThreshold {
            screen.text("threshold = \(typed)█   (Enter sets it, Esc cancels)", x: 1, y: chartHeight + 9, bold: true)
        }
        Chrome.keys("←→ move  = type  b best F1  p 1 % FPR  s save  g log  v stacked/overlaid  z \(tuning.showsFullRange ? "bulk" : "full") range  Tab next view  q quit",
                    state, theme: theme, on: screen)
    }

    /// The bars' cells: good, defect, and both (overlaid), as characters in plain terminals.
    private static func cells(_ theme: Theme, _ screen: any Screen) -> (good: Cell, defect: Cell, both: Cell) {
        let ascii = screen.depth == .ascii
        return (Cell(ascii ? ":" : "█", foreground: theme.colour(.good, depth: screen.depth)),
                Cell(ascii ? "#" : "█", foreground: theme.colour(.defect, depth: screen.depth)),
                Cell(ascii ? "%" : "▓", foreground: theme.colour(.both, depth: screen.depth)))
    }

    /// One distribution: the overflow below, the bins, the overflow above (each overflow a
    /// column of the scores outside the shown range, marked with its count), the threshold's
    /// ▲ below them, then the range's ends.
    private func drawBars(_ tuning: ThresholdTuning, _ state: ConsoleState, top: Int, height chartHeight: Int, columnWidth: Int,
                          theme: Theme, on screen: any Screen) {
        let (good, defect) = tuning.histogram
        let overflow = tuning.overflow
        // Columns: −1 the overflow below, 0..<binCount the bins, binCount the overflow above.
        func counts(_ column: Int) -> (good: Int, defect: Int) {
            column < 0 ? overflow.below : column >= tuning.binCount ? overflow.above : (good[column], defect[column])
        }
        let binsX = 1 + columnWidth + 1
        func x(_ column: Int) -> Int { column < 0 ? 1 : column >= tuning.binCount ? binsX + tuning.binCount * columnWidth + 1 : binsX + column * columnWidth }
        func scaled(_ count: Int) -> Double { state.histogramIsLogarithmic ? Foundation.log2(1 + Double(count)) : Double(count) }
        let columns = Array(-1...tuning.binCount)
        let tallest = max(1, columns.map { let c = counts($0); return state.histogramIsStacked ? scaled(c.good + c.defect) : scaled(max(c.good, c.defect)) }.max() ?? 1)
        func height(_ count: Int) -> Int { Int((scaled(count) / tallest * Double(chartHeight)).rounded()) }
        let (goodCell, defectCell, bothCell) = Self.cells(theme, screen)
        for column in columns {
            let (goodCount, defectCount) = counts(column)
            let goodHeight = height(goodCount)
            let defectHeight = state.histogramIsStacked ? height(goodCount + defectCount) : height(defectCount)
            for level in 0..<chartHeight {
                let y = top + chartHeight - level
                let cell: Cell
                if state.histogramIsStacked {
                    cell = level < goodHeight ? goodCell : level < defectHeight ? defectCell : .blank
                } else {
                    cell = level < goodHeight && level < defectHeight ? bothCell : level < goodHeight ? goodCell : level < defectHeight ? defectCell : .blank
                }
                let shown = cell == .blank && column == tuning.thresholdBin ? Cell("│", foreground: theme.colour(.cursor, depth: screen.depth)) : cell
                for dx in 0..<columnWidth { screen.put(shown, x: x(column) + dx, y: y) }
            }
        }
        let below = overflow.below.good + overflow.below.defect, above = overflow.above.good + overflow.above.defect
        if below > 0 { screen.text(String(format: "◀ %d below %.3f", below, tuning.lowest), x: 1, y: top + chartHeight + 1) }
        if above > 0 {
            let note = String(format: "%d above %.3f ▶", above, tuning.highest)
            screen.text(note, x: max(1, x(tuning.binCount) + columnWidth - note.count), y: top + chartHeight + 1)
        }
        screen.text("▲", x: x(tuning.thresholdBin), y: top + chartHeight + 1, foreground: theme.colour(.cursor, depth: screen.depth), bold: true)
        screen.text(String(format: "%.3f", tuning.lowest), x: binsX, y: top + chartHeight + 2)
        screen.text(String(format: "%.3f", tuning.highest), x: max(binsX, binsX + tuning.binCount * columnWidth - 5), y: top + chartHeight + 2)
    }
}
