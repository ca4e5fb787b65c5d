import LoupeImaging
import LoupeTensor

/// The frozen network a run distils from: one pretrained backbone, or two whose features
/// are concatenated scale by scale (rd-dual learns from two teachers at once, paper 001).
///
/// Concatenation keeps one contract for everything after the teacher: three feature maps
/// at strides 4, 8 and 16, cached, compared and mapped as one teacher's are; a method that
/// treats the teachers apart reads each one's channels from `layout`.
public final class Teacher {
    public let layout: TeacherLayout
    /// How inputs are normalised: the first backbone's way (the others convert).
    public let normalization: Normalization
    /// The weights file of each backbone, in order (empty for networks made in memory).
    public let weights: [String]
    let networks: [any Backbone]
    /// Per backbone after the first: the affine map from the first one's normalisation to
    /// its own, nil when they agree.
    private let conversions: [(scale: Tensor, shift: Tensor)?]

    /// Backbones with their networks (frozen, in evaluation mode), in order.
    public init(_ backbones: [BackboneName], networks: [any Backbone], weights: [String] = []) {
        invariant(!backbones.isEmpty && backbones.count == networks.count, "Teacher: \(backbones.count) names for \(networks.count) networks")
        layout = TeacherLayout(backbones: backbones, channels: networks.map { Array($0.stageChannels.prefix(3)) })
        normalization = backbones[0].normalization
        self.networks = networks
        self.weights = weights
        let first = backbones[0].normalization
        conversions = backbones.map { backbone in
            let own = backbone.normalization
            guard own != first else { return nil }
            // value = pixel·s₀ + b₀ becomes pixel·s + b: value·(s/s₀) + (b − b₀·s/s₀).
            let maps = (0..<3).map { channel -> (Float, Float) in
                let (s0, b0) = first.affine(channel: channel), (s, b) = own.affine(channel: channel)
                return (s / s0, b - b0 * s / s0)
            }
            return (Tensor(shape: [1, 3, 1, 1], scalars: maps.map(\.0)), Tensor(shape: [1, 3, 1, 1], scalars: maps.map(\.1)))
        }
    }

    /// The backbones with ImageNet weights from `weights` (one path per backbone; nil: each
    /// one's installed default), frozen with BatchNorms folded.
    public static func pretrained(_ backbones: [BackboneName], weights: [String]?) throws -> Teacher {
        if let weights, weights.count != backbones.count {
            throw TeacherError.weightsDoNotMatch(backbones: backbones.map(\.rawValue), weights: weights)
        }
        let paths = try weights ?? backbones.map { try $0.defaultWeightsPath() }
        let networks = try zip(backbones, paths).map { backbone, path in try backbone.pretrained(weights: path) }
        return Teacher(backbones, networks: networks, weights: paths)
    }

    /// The three feature maps (strides 4, 8, 16) of an N×3×H×W batch normalised the
    /// first backbone's way; with two backbones, each scale is theirs concatenated along
    /// channels, the first's channels first.
    public func features(_ input: Tensor) -> [Tensor] {
        let perBackbone = zip(networks, conversions).map { network, conversion -> [Tensor] in
            let own = conversion.map { input * $0.scale + $0.shift } ?? input
            return network.features(own, stageCount: 3)
        }
        guard perBackbone.count > 1 else { return perBackbone[0] }
        return (0..<3).map { scale in Tensor.concatenate(perBackbone.map { $0[scale] }, alongAxis: 1) }
    }
}

/// What a method needs to know of its teacher to build a network: which backbones, and the
/// channels each one gives at strides 4, 8 and 16.
public struct TeacherLayout: Equatable, Sendable {
    public let backbones: [BackboneName]
    /// Per backbone, its channels at strides 4, 8, 16.
    public let channels: [[Int]]

    public init(backbones: [BackboneName], channels: [[Int]]) {
        self.backbones = backbones
        self.channels = channels
    }

    /// The first backbone: the one whose architecture sizes single-teacher students.
    public var backbone: BackboneName { backbones[0] }

    /// The teacher's channels at strides 4, 8, 16 (summed over backbones: they are concatenated).
    public var stageChannels: [Int] { (0..<3).map { scale in channels.reduce(0) { $0 + $1[scale] } } }

    /// Where each backbone's channels sit in the concatenated features, per scale.
    public func channelRanges(scale: Int) -> [Range<Int>] {
        var start = 0
        return channels.map { own in
            defer { start += own[scale] }
            return start..<(start + own[scale])
        }
    }

    /// A single backbone's layout.
    public static func single(_ backbone: BackboneName, channels: [Int]) -> TeacherLayout {
        TeacherLayout(backbones: [backbone], channels: [Array(channels.prefix(3))])
    }
}

/// Why a run's teachers cannot be set up.
public enum TeacherError: UserInputError, Equatable {
    case unknownBackbone(name: String)
    /// The method distils from another number of teachers than `--backbone` names.
    case wrongCount(method: String, expected: ClosedRange<Int>, given: [String])
    case weightsDoNotMatch(backbones: [String], weights: [String])

    public var description: String {
        switch self {
        case let .unknownBackbone(name):
            return "unknown backbone '\(name)'; choose from \(BackboneName.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .wrongCount(method, expected, given):
            let names = given.joined(separator: ",")
            switch (expected.lowerBound, expected.upperBound) {
            case (1, 1):
                let two = MethodRegistry.methodsTakingTwoTeachers.joined(separator: ", ")
                return "\(method) distils from one teacher, but '\(names)' names \(given.count) (two teachers: --method \(two))"
            case let (low, high) where low == high:
                return "\(method) distils from \(low) teachers: name them comma-separated (--backbone A,B), not '\(names)'"
            case let (low, high):
                return "\(method) distils from \(low) to \(high) teachers (--backbone A or A,B), not '\(names)'"
            }
        case let .weightsDoNotMatch(backbones, weights):
            return "\(weights.count) weights file\(weights.count == 1 ? "" : "s") (\(weights.joined(separator: ","))) for \(backbones.count) "
                + "teacher\(backbones.count == 1 ? "" : "s") (\(backbones.joined(separator: ","))): give one per teacher, comma-separated, in the same order"
        }
    }

    /// What a `backbone` value must be, for errors that quote the value (`config.toml`):
    /// "one backbone for rd", "1 or 2 backbones for sacd, comma-separated"; nil for other cases.
    public var expectation: String? {
        guard case let .wrongCount(method, expected, _) = self else { return nil }
        if expected == 1...1 { return "one backbone for \(method)" }
        let count = expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) or \(expected.upperBound)"
        return "\(count) backbones for \(method), comma-separated"
    }
}

extension Teacher {
    /// Every weight and buffer of the teacher by name (`teacher._blocks.1._depthwise_conv.weight`;
    /// `teacher0.`, `teacher1.` with two), for an export to name its constants.
    public var namedTensors: [(String, Tensor)] {
        networks.enumerated().flatMap { index, network -> [(String, Tensor)] in
            let prefix = networks.count > 1 ? "teacher\(index)." : "teacher."
            return network.namedParameters.map { (prefix + $0.0, $0.1.value) } + network.namedBuffers.map { (prefix + $0.0, $0.1.value) }
        }
    }
}
