import LoupeConsole
import Testing

@Suite struct ThresholdTuningTests {
    /// Goods at 1…5, defects at 4…8 (hand-countable).
    static let images = (1...5).map { ThresholdTuning.Image(name: "g\($0)", score: Float($0), isDefect: false) }
        + (4...8).map { ThresholdTuning.Image(name: "d\($0)", score: Float($0), isDefect: true) }

    @Test func confusionFollowsTheThresholdExactly() {
        var tuning = ThresholdTuning(images: Self.images, threshold: 4.5, binCount: 7)
        // ≥ 4.5: goods 5 (1 FP); defects 5, 6, 7, 8 (4 TP), defect 4 missed (1 FN).
        #expect(tuning.confusion == .init(truePositives: 4, falsePositives: 1, trueNegatives: 4, falseNegatives: 1))
        tuning.set(4)
        #expect(tuning.confusion == .init(truePositives: 5, falsePositives: 2, trueNegatives: 3, falseNegatives: 0))
        tuning.move(bins: 1)  // bins are (8 − 1) / 7 = 1 wide
        #expect(tuning.threshold == 5)
        #expect(tuning.confusion.falsePositives == 1 && tuning.confusion.falseNegatives == 1)
    }

    @Test func histogramBinsGoodAndDefectScores() {
        let tuning = ThresholdTuning(images: Self.images, binCount: 7)
        let (good, defect) = tuning.histogram
        #expect(good == [1, 1, 1, 1, 1, 0, 0])
        #expect(defect == [0, 0, 0, 1, 1, 1, 2])  // 8 is the top edge: last bin
    }

    @Test func jumpsToF1OptimalAndTargetFPR() {
        var tuning = ThresholdTuning(images: Self.images)
        tuning.jumpToBestF1()
        // Best F1 at 4: TP 5, FP 2 → F1 = 10/12; at 5: TP 4, FP 1, FN 1 → 8/10. 10/12 wins.
        #expect(tuning.threshold == 4)
        tuning.jump(toFalsePositiveRate: 0.2)  // at most 1 of 5 goods flagged
        #expect(tuning.threshold == 5 && tuning.confusion.falsePositives == 1)
        tuning.jump(toFalsePositiveRate: 0)
        #expect(tuning.confusion.falsePositives == 0 && tuning.threshold > 5)
    }
}
