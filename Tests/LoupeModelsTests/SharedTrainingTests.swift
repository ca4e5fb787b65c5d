import LoupeModels
import Testing

/// Which configurations train alike: only how a model scores may differ (image score, map
/// blur, settings declared scoring-only), so `loupe compare` trains such variants once.
@Suite struct SharedTrainingTests {
    static func pfadseg(_ settings: [String: SettingValue] = [:]) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = "pfadseg"
        configuration.settings = settings
        return configuration
    }

    @Test func scoringSettingsDoNotChangeTheTraining() {
        let base = Self.pfadseg()
        #expect(base.trainsLike(Self.pfadseg(["student_map": .bool(true)])))
        var scored = base
        scored.blurSigma = 0
        scored.imageScore = .topMean(10)
        #expect(base.trainsLike(scored))
        // A default written out trains as one left unset (a checkpoint's whole-number reals
        // come back typed: ReverseDistillationRunTests.checkpointSettingsComeBackAsTheirTypesHoldThem).
        #expect(base.trainsLike(Self.pfadseg(["segmentation_share": .real(0.57)])))
        #expect(base.trainsLike(Self.pfadseg(["cut_paste": .real(0), "texture_blend": .real(1), "width": .integer(32)])))
    }

    @Test func everyOtherSettingDoes() {
        let base = Self.pfadseg()
        #expect(!base.trainsLike(Self.pfadseg(["segmentation_share": .real(0.43)])))
        #expect(!base.trainsLike(Self.pfadseg(["segmentation": .bool(false), "student_map": .bool(true)])))
        var other = base
        other.seed = 1
        #expect(!base.trainsLike(other))
        #expect(base.trainingDifference(from: other) == "seed: 0 ≠ 1")
        #expect(base.trainingDifference(from: Self.pfadseg(["student_map": .bool(true)])) == nil)
        #expect(base.trainingDifference(from: Self.pfadseg(["segmentation_share": .real(0.43)]))?.hasPrefix("settings: ") == true)
        other = base
        other.method = "stu-seg"
        #expect(!base.trainsLike(other))
        other = base
        other.cosineAnnealing = true
        #expect(!base.trainsLike(other))
    }

    /// The training kept, the scoring taken: what a shared run's checkpoint records.
    @Test func scoredLikeTakesOnlyTheScoring() {
        var trained = Self.pfadseg(["segmentation_share": .real(0.43)])
        trained.blurSigma = 4
        var scoring = Self.pfadseg(["student_map": .bool(true)])
        scoring.blurSigma = 2
        let scored = trained.scored(like: scoring)
        #expect(scored.settings == ["segmentation_share": .real(0.43), "student_map": .bool(true)])
        #expect(scored.blurSigma == 2 && scored.seed == trained.seed)
        #expect(scored.trainsLike(trained))
    }
}
