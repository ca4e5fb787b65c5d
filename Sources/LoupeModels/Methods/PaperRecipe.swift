import LoupeData

/// How a method's paper trained it, in the parts a run can follow within its own epochs and
/// batch (`--paper-recipe`): the learning-rate schedule and the augmentation. The papers'
/// epochs and batch sizes are named in `help`, not applied: a comparison shares them.
public struct PaperRecipe: Sendable, Equatable {
    /// The cosine schedule's period in epochs; nil: the stage's epochs (one descent to 0).
    public let cosinePeriod: Int?
    public let augmentation: Augmentation
    /// What the paper says, for `--help`.
    public let help: String

    /// Paper 000 (rd-mff): Adam, cosine annealing, random horizontal and vertical flips;
    /// 400 epochs of batch 8 (not applied).
    public static let paper000 = PaperRecipe(cosinePeriod: nil, augmentation: Augmentation(horizontalFlipProbability: 0.5, verticalFlipProbability: 0.5),
                                             help: "train as paper 000: cosine annealing, random horizontal and vertical flips (its 400 epochs of batch 8 are --epochs and --batch-size)")

    /// Paper 001 (rd-dual): Adam, cosine annealing with a period of 32 epochs, no
    /// augmentation; 200 epochs of batch 4 (not applied).
    public static let paper001 = PaperRecipe(cosinePeriod: 32, augmentation: .none,
                                             help: "train as paper 001: cosine annealing with a period of 32 epochs (its 200 epochs of batch 4 are --epochs and --batch-size)")

    /// The method setting that switches it on, with this recipe's help.
    public var setting: SettingKey<Bool> { SettingKey("paper_recipe", default: false, help: help) }

    /// This recipe when `configuration` switches it on, else nil (a method's `paperRecipe(for:)`).
    public func chosen(in configuration: TrainingConfiguration) -> PaperRecipe? {
        configuration[setting] ? self : nil
    }
}

extension TrainingConfiguration {
    /// The method's paper recipe when this run follows it (`--paper-recipe`), else nil.
    public var paperRecipe: PaperRecipe? {
        (try? MethodRegistry.method(named: method))?.paperRecipe(for: self)
    }

    /// The augmentation in force: the run's, with the paper recipe's changes where the run has none of that kind.
    public var effectiveAugmentation: Augmentation {
        guard let recipe = paperRecipe else { return augmentation }
        var merged = augmentation
        for key in Augmentation.keys where (merged[key] ?? 0) == 0 { merged[key] = recipe.augmentation[key] }
        return merged
    }

    /// The cosine schedule's period for a stage of `stageEpochs`, or nil for a constant rate:
    /// `--cosine` anneals over the stage, the paper recipe with its own period if it has one.
    public func cosinePeriod(stageEpochs: Int) -> Int? {
        if let recipe = paperRecipe { return recipe.cosinePeriod ?? stageEpochs }
        return cosineAnnealing ? stageEpochs : nil
    }
}
