import LoupeTensor

/// A value of a method's setting, as TOML and the command line give it.
public enum SettingValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case integer(Int)
    case real(Double)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else { self = .real(try container.decode(Double.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .real(value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case let .bool(value): return "\(value)"
        case let .integer(value): return "\(value)"
        case let .real(value): return "\(value)"
        }
    }

    var typeName: String {
        switch self {
        case .bool: return "true or false"
        case .integer: return "a whole number"
        case .real: return "a number"
        }
    }
}

/// One setting a method declares: its key (TOML key and `--key` on the command line), its
/// default, what it does, and the values it accepts.
public struct MethodSetting: Sendable {
    public let key: String
    public let defaultValue: SettingValue
    public let help: String
    /// Accepted range for numbers (inclusive).
    public let range: ClosedRange<Double>?
    /// Changes how a trained model scores, never what it learns: runs that differ only in
    /// such settings can share one training (`TrainingConfiguration.trainsLike`).
    public let scoringOnly: Bool

    public init(_ key: String, default defaultValue: SettingValue, help: String, range: ClosedRange<Double>? = nil, scoringOnly: Bool = false) {
        self.key = key
        self.defaultValue = defaultValue
        self.help = help
        self.range = range
        self.scoringOnly = scoringOnly
    }

    /// The key as the command line spells it, without dashes: `segmentation_share` is `segmentation-share`.
    public var option: String { key.replacingOccurrences(of: "_", with: "-") }

    /// `value` as this setting accepts it (a whole number is a fine real), or why not.
    public func accept(_ value: SettingValue) -> Result<SettingValue, MethodError> {
        let accepted: SettingValue
        switch (defaultValue, value) {
        case (.bool, .bool), (.integer, .integer), (.real, .real): accepted = value
        case let (.real, .integer(whole)): accepted = .real(Double(whole))
        default: return .failure(.wrongType(key: key, value: value.description, expected: defaultValue.typeName))
        }
        if let range {
            let number: Double
            switch accepted {
            case let .integer(whole): number = Double(whole)
            case let .real(real): number = real
            case .bool: return .success(accepted)
            }
            guard range.contains(number) else { return .failure(.outOfRange(key: key, value: accepted.description, range: range)) }
        }
        return .success(accepted)
    }
}

/// Why a method or one of its settings cannot be used.
public enum MethodError: UserInputError, Equatable {
    case unknownMethod(name: String, known: [String])
    case unknownSetting(method: String, key: String, known: [String])
    case wrongType(key: String, value: String, expected: String)
    case outOfRange(key: String, value: String, range: ClosedRange<Double>)
    /// The run's epochs cannot hold the method's stages.
    case stagesDoNotFit(method: String, detail: String)

    public var description: String {
        switch self {
        case let .unknownMethod(name, known): return "unknown method '\(name)'; methods: \(known.joined(separator: ", "))"
        case let .unknownSetting(method, key, known):
            return "'\(key)' is not a setting of \(method)" + (known.isEmpty ? " (it has none)" : "; its settings: \(known.joined(separator: ", "))")
        case let .wrongType(key, value, _), let .outOfRange(key, value, _): return "'\(key)' is \(value); expected \(expectation)"
        case let .stagesDoNotFit(method, detail): return "\(method): \(detail)"
        }
    }

    /// What an accepted value looks like ("1 to 8", "true or false").
    public var expectation: String {
        switch self {
        case let .wrongType(_, _, expected): return expected
        case let .outOfRange(_, _, range):
            func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
            return "\(number(range.lowerBound)) to \(number(range.upperBound))"
        case .unknownMethod(_, let known): return "one of \(known.joined(separator: ", "))"
        case .unknownSetting(_, _, let known): return "one of \(known.joined(separator: ", "))"
        case .stagesDoNotFit: return "more epochs than the later stages take"
        }
    }
}
