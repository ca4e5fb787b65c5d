import LoupeData
import LoupeModels
import Testing

/// `--paper-recipe`: rd-mff trains with paper 000's flips and a cosine over the run, rd-dual
/// with paper 001's cosine of period 32; a run's own augmentation keeps what it sets.
@Suite struct PaperRecipeTests {
    static func configuration(_ method: String, _ settings: [String: SettingValue] = [:]) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = method
        configuration.settings = settings
        return configuration
    }

    @Test func recipesGiveTheirPapersScheduleAndAugmentation() {
        let plain = Self.configuration("rd-mff")
        #expect(plain.paperRecipe == nil && plain.cosinePeriod(stageEpochs: 30) == nil && plain.effectiveAugmentation == .none)
        var cosine = plain
        cosine.cosineAnnealing = true
        #expect(cosine.cosinePeriod(stageEpochs: 30) == 30)

        let mff = Self.configuration("rd-mff", ["paper_recipe": .bool(true)])
        #expect(mff.cosinePeriod(stageEpochs: 30) == 30)
        #expect(mff.effectiveAugmentation == Augmentation(horizontalFlipProbability: 0.5, verticalFlipProbability: 0.5))
        var own = mff
        own.augmentation = Augmentation(horizontalFlipProbability: 0.2, maximumRotationDegrees: 10)
        #expect(own.effectiveAugmentation == Augmentation(horizontalFlipProbability: 0.2, verticalFlipProbability: 0.5, maximumRotationDegrees: 10))

        let dual = Self.configuration("rd-dual", ["paper_recipe": .bool(true)])
        #expect(dual.cosinePeriod(stageEpochs: 30) == 32 && dual.cosinePeriod(stageEpochs: 200) == 32)
        #expect(dual.effectiveAugmentation == .none)
    }

    /// Methods whose papers give no recipe Loupe can follow do not take the option.
    @Test func onlyMethodsWithARecipeTakeTheOption() {
        var takers: Set<String> = []
        for method in MethodRegistry.methods where method.settings.contains(where: { setting in setting.key == "paper_recipe" }) {
            takers.insert(method.name)
        }
        #expect(takers == ["rd-mff", "rd-dual"])
    }
}
