import LoupeData

/// A method's setting declared once, with its type: the method lists its `definition` in
/// `settings` and reads it as `configuration[Self.pcar]`, so a misspelt or undeclared key
/// is a compile error, never a silent default.
public struct SettingKey<Value: SettingType>: Sendable {
    public let definition: MethodSetting

    public init(_ key: String, default value: Value, help: String, range: ClosedRange<Double>? = nil, scoringOnly: Bool = false) {
        definition = MethodSetting(key, default: value.settingValue, help: help, range: range, scoringOnly: scoringOnly)
    }
}

/// The Swift types a setting holds: true/false, whole numbers, numbers.
public protocol SettingType: Sendable {
    init?(_ value: SettingValue)
    var settingValue: SettingValue { get }
}

extension Bool: SettingType {
    public init?(_ value: SettingValue) {
        guard case let .bool(flag) = value else { return nil }
        self = flag
    }
    public var settingValue: SettingValue { .bool(self) }
}

extension Int: SettingType {
    public init?(_ value: SettingValue) {
        guard case let .integer(whole) = value else { return nil }
        self = whole
    }
    public var settingValue: SettingValue { .integer(self) }
}

extension Double: SettingType {
    /// A whole number is a fine real (`MethodSetting.accept` stores it as one already).
    public init?(_ value: SettingValue) {
        switch value {
        case let .real(real): self = real
        case let .integer(whole): self = Double(whole)
        case .bool: return nil
        }
    }
    public var settingValue: SettingValue { .real(self) }
}

extension TrainingConfiguration {
    /// The value of a declared setting: the configured one, else its default.
    public subscript<Value>(_ key: SettingKey<Value>) -> Value {
        settings[key.definition.key].flatMap(Value.init) ?? Value(key.definition.defaultValue)!
    }
}

/// The shares of synthetic defect kinds a method trains on: declared once here, each method
/// giving its defaults (sacd half texture blends; pfadseg and stu-seg all), and a two-stage
/// method a second set for its segmentation network (`learner` names it in keys and help);
/// with them, the share of a batch's images that get a defect at all.
public struct SyntheticDefectShares: Sendable {
    public let textureBlend: SettingKey<Double>, cutPaste: SettingKey<Double>, scar: SettingKey<Double>
    public let defectiveShare: SettingKey<Double>

    /// `learner`: nil for the method's one set (`texture_blend`), else the network a second
    /// set trains (`segmentation` gives `segmentation_texture_blend`).
    public init(textureBlend: Double, cutPaste: Double, scar: Double, learner: String? = nil) {
        let key = { (kind: String) in learner.map { "\($0)_\(kind)" } ?? kind }
        let learns = learner.map { " the \($0) network learns from" } ?? ""
        self.textureBlend = SettingKey(key("texture_blend"), default: textureBlend, help: "share of DRAEM texture-blend defects\(learns)", range: 0...1)
        self.cutPaste = SettingKey(key("cut_paste"), default: cutPaste, help: "share of CutPaste defects\(learns)", range: 0...1)
        self.scar = SettingKey(key("scar"), default: scar, help: "share of scar defects\(learns)", range: 0...1)
        defectiveShare = SettingKey(key("defective_share"), default: 1,
                                    help: "share of each batch's images made defective\(learns); the rest stay good with an empty mask (DRAEM: 0.5)",
                                    range: 0.05...1)
    }

    /// The kinds' shares, which `optionNames` lists, then how many images get one.
    public var definitions: [MethodSetting] { kindDefinitions + [defectiveShare.definition] }
    private var kindDefinitions: [MethodSetting] { [textureBlend.definition, cutPaste.definition, scar.definition] }

    /// The options that set the kinds' shares, as a user types them (for errors that name them).
    public var optionNames: String {
        kindDefinitions.map { "--" + $0.option }.joined(separator: ", ")
    }

    /// The recipe these shares give in `configuration`; nil when every share is 0.
    public func recipe(_ configuration: TrainingConfiguration) -> SyntheticAnomalyRecipe? {
        let weights = [textureBlend, cutPaste, scar].map { Float(configuration[$0]) }
        guard weights.reduce(0, +) > 0 else { return nil }
        return SyntheticAnomalyRecipe(textureBlend: weights[0], cutPaste: weights[1], scar: weights[2],
                                      defectiveShare: Float(configuration[defectiveShare]))
    }
}
