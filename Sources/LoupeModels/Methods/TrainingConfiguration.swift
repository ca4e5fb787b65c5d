import Foundation
import LoupeData
import LoupeTensor

/// Everything that defines a run: the method and its settings, the teacher, input size and
/// optimiser, saved with the checkpoint so a run can be evaluated, resumed or scored later
/// exactly as it was trained.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The method's registry name (`MethodRegistry`).
    public var method = "rd"
    /// The method's own settings; a missing key takes the method's default.
    public var settings: [String: SettingValue] = [:]
    /// The teacher's backbone, or several comma-separated (`MethodRegistry.teachers`).
    public var backbone: String = BackboneName.efficientNetLite0.rawValue
    /// Square input size in pixels.
    public var imageSize = 256
    public var epochs = 30
    public var batchSize = 8
    public var learningRate: Float = 0.005
    public var beta1: Float = 0.5
    public var beta2: Float = 0.999
    /// Anneal the learning rate to 0 over the epochs (cosine).
    public var cosineAnnealing = false
    public var seed: UInt64 = 0
    /// σ of the Gaussian blur of anomaly maps (0: none).
    public var blurSigma: Double = 4
    /// How an image's score comes from its map; nil: the method's (`AnomalyMethod.imageScore`).
    public var imageScore: ImageScore?
    /// Random changes to the training images every step; the teacher then runs on the
    /// changed images each step instead of its cached features of the originals.
    public var augmentation = Augmentation.none
    /// Folder of images pasted into synthetic defects (methods that train on them); nil:
    /// `TextureSource.defaultFolder`.
    public var textures: String?

    public init() {}

    /// The backbones this configuration names, in order.
    public var backboneNames: [String] {
        backbone.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Sets `backbone` to the method's own teachers (for its settings), as when the user
    /// names none.
    public mutating func useDefaultTeachers() {
        guard let chosen = try? MethodRegistry.method(named: method) else { return }
        backbone = chosen.defaultTeachers(for: self).map(\.rawValue).joined(separator: ",")
    }

    /// Input sizes a run accepts: RD's bottleneck halves the input five times (stride 32)
    /// and the student doubles it back, so it must divide by 32 (48 came back as 64 and
    /// crashed); the bounds keep a batch in memory.
    public static let imageSizeRule = "a multiple of 32 between 32 and 2048"
    public static func acceptsImageSize(_ size: Int) -> Bool { (32...2048).contains(size) && size % 32 == 0 }

    /// The ranges of the shared settings, in one place: `config.toml`, `loupe train`'s options,
    /// `--resume` and a checkpoint's metadata are all checked here, so a value accepted by
    /// one is accepted by all. Keys are the names `config.toml` uses under `[training]`.
    public static let epochRange = 1...100_000, batchSizeRange = 1...1_024
    public static let learningRateRule = "a number above 0 and below 10"

    /// At 32 px the bottleneck is 1×1: BatchNorm needs two inputs in a batch to normalise,
    /// so a batch of one is refused (`problem`) and a last batch of one sits out an epoch.
    public var needsTwoInputsPerBatch: Bool { imageSize <= 32 }

    /// The first setting outside its range, or nil.
    public var problem: SettingProblem? {
        func bad(_ key: String, _ value: Any, _ expected: String) -> SettingProblem { SettingProblem(key: key, value: "\(value)", expected: expected) }
        if !Self.acceptsImageSize(imageSize) { return bad("image_size", imageSize, Self.imageSizeRule) }
        if !Self.epochRange.contains(epochs) { return bad("epochs", epochs, "a whole number from 1 to \(Self.epochRange.upperBound)") }
        if !Self.batchSizeRange.contains(batchSize) { return bad("batch_size", batchSize, "a whole number from 1 to \(Self.batchSizeRange.upperBound)") }
        if batchSize == 1 && needsTwoInputsPerBatch { return bad("batch_size", "1 at image size 32", "2 or more at that size (BatchNorm needs two values per channel where the bottleneck is 1x1), or a size of 64 or more") }
        // TOML's integers are signed 64-bit: a larger seed could not be written to config.toml.
        if seed > UInt64(Int64.max) { return bad("seed", seed, "a whole number from 0 to \(Int64.max)") }
        if !(learningRate > 0 && learningRate < 10) { return bad("learning_rate", learningRate, Self.learningRateRule) }
        if ![beta1, beta2].allSatisfy({ $0 >= 0 && $0 < 1 }) { return bad("betas", [beta1, beta2], "two numbers from 0 up to (not including) 1") }
        if !(0...64).contains(blurSigma) { return bad("blur_sigma", blurSigma, "0 to 64") }
        if case let .topMean(k)? = imageScore, k < 1 { return bad("image_score", "top-\(k)-mean", "\"max\" or \"top-K-mean\" (K from 1)") }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case method, settings, backbone, imageSize, epochs, batchSize, learningRate, beta1, beta2, cosineAnnealing, seed, blurSigma, imageScore
        case augmentation, textures
    }

    /// Checkpoints from before methods were plug-ins have neither `method` nor `settings`:
    /// they are `rd` with no settings (and no augmentation).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "rd"
        settings = try c.decodeIfPresent([String: SettingValue].self, forKey: .settings) ?? [:]
        backbone = try c.decode(String.self, forKey: .backbone)
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        beta1 = try c.decode(Float.self, forKey: .beta1)
        beta2 = try c.decode(Float.self, forKey: .beta2)
        cosineAnnealing = try c.decode(Bool.self, forKey: .cosineAnnealing)
        seed = try c.decode(UInt64.self, forKey: .seed)
        blurSigma = try c.decode(Double.self, forKey: .blurSigma)
        imageScore = try c.decodeIfPresent(ImageScore.self, forKey: .imageScore)
        augmentation = try c.decodeIfPresent(Augmentation.self, forKey: .augmentation) ?? .none
        textures = try c.decodeIfPresent(String.self, forKey: .textures)
    }

    /// The image score in force: the configured one, else the method's.
    public var effectiveImageScore: ImageScore {
        imageScore ?? (try? MethodRegistry.method(named: method))?.imageScore ?? .maximum
    }

    /// The range of this configuration's anomaly maps (the method's contract).
    public var mapRange: ClosedRange<Float> {
        (try? MethodRegistry.method(named: method))?.mapRange(for: self) ?? FeatureDistanceMap.range
    }
}

/// A shared training setting outside its range (`TrainingConfiguration.problem`): the key as
/// `config.toml` names it, the value given and what is expected.
public struct SettingProblem: UserInputError, Equatable, Sendable {
    public let key: String, value: String, expected: String
    public var description: String { "'training.\(key)' is \(value); expected \(expected)" }
}

extension TrainingConfiguration {
    /// The same training as `other`: equal but for how the model scores (image score, map
    /// blur, the method's scoring-only settings), so one trained model serves both.
    public func trainsLike(_ other: TrainingConfiguration) -> Bool {
        trainingPart == other.trainingPart
    }

    /// The first training setting in which `other` differs (`epochs: 30 ≠ 10`), nil when it
    /// trains alike: what an error names.
    public func trainingDifference(from other: TrainingConfiguration) -> String? {
        func fields(_ c: TrainingConfiguration) -> [String: String] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            guard let data = try? encoder.encode(c.trainingPart),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
        let (mine, theirs) = (fields(self), fields(other))
        for key in Set(mine.keys).union(theirs.keys).sorted() where mine[key] != theirs[key] {
            return "\(key): \(mine[key] ?? "(unset)") ≠ \(theirs[key] ?? "(unset)")"
        }
        return trainsLike(other) ? nil : "the settings"
    }

    /// This training scored as `other` scores: its image score, map blur and scoring-only settings.
    public func scored(like other: TrainingConfiguration) -> TrainingConfiguration {
        var scored = self
        scored.imageScore = other.imageScore
        scored.blurSigma = other.blurSigma
        for setting in declaredSettings where setting.scoringOnly { scored.settings[setting.key] = other.settings[setting.key] }
        return scored
    }

    /// Without what only scoring reads, every other declared setting spelt out (a default
    /// left unset and one written out train alike). Values are as their types hold them:
    /// every reader of settings checks them (`MethodRegistry.validated`), checkpoints too.
    private var trainingPart: TrainingConfiguration {
        var part = self
        part.imageScore = nil
        part.blurSigma = TrainingConfiguration().blurSigma
        part.settings = [:]
        for setting in declaredSettings where !setting.scoringOnly {
            part.settings[setting.key] = settings[setting.key] ?? setting.defaultValue
        }
        return part
    }

    private var declaredSettings: [MethodSetting] { (try? MethodRegistry.method(named: method))?.settings ?? [] }
}
