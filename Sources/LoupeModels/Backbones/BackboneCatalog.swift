import LoupeImaging
import LoupeTensor

/// Every teacher Loupe knows, by the name users type (`--backbone`).
public enum BackboneName: String, CaseIterable, Sendable {
    case efficientNetLite0 = "efficientnet-lite0", efficientNetLite1 = "efficientnet-lite1"
    case efficientNetLite2 = "efficientnet-lite2", efficientNetLite3 = "efficientnet-lite3"
    case efficientNetLite4 = "efficientnet-lite4"
    case resnet18, resnet34, resnet50, wideResNet50 = "wide_resnet50_2"

    var efficientNetVariant: EfficientNetLite.Variant? { EfficientNetLite.Variant(rawValue: rawValue) }

    /// How input pixels are normalised for this network's ImageNet weights.
    public var normalization: Normalization { efficientNetVariant != nil ? .efficientNetLite : .imageNet }

    /// A randomly initialised network of this architecture.
    public func make(using generator: inout SeededGenerator) -> any Backbone {
        if let variant = efficientNetVariant { return EfficientNetLite(variant, using: &generator) }
        return ResNet(ResNet.Architecture(rawValue: rawValue)!, using: &generator)
    }

    /// The weights `make weights` installs, for the backbones that have them.
    public func defaultWeightsPath() throws -> String {
        guard let variant = efficientNetVariant else {
            throw WeightsError.missingWeights(name: rawValue, searched: ["(torchvision weights cannot be downloaded here; pass --weights PATH)"])
        }
        return try DefaultWeights.path(for: variant)
    }

    /// The network with ImageNet weights from `path` (or the default ones), in
    /// evaluation mode with BatchNorms folded: a frozen teacher.
    public func pretrained(weights path: String?) throws -> any Backbone {
        let file = try path ?? defaultWeightsPath()
        var generator = SeededGenerator(seed: 0)
        let network = make(using: &generator)
        try network.loadStateDictionary(WeightFile.load(file), source: file)
        network.requireGradients(false)
        network.foldBatchNorms()
        return network
    }
}
