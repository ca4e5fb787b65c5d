import ArgumentParser
import Foundation
import LoupeImaging
import LoupeModels
import LoupeTensor

/// `loupe classify IMAGE`: a quick check that a teacher and its weights work.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the five most likely ImageNet classes of an image, best first.",
        discussion: """
        A debugging aid: if a teacher's weights load and it names a photo correctly, its \
        features are sound. The image is converted to RGB and resized to --size×--size.

        Examples:
          loupe classify photo.png
          loupe classify --backbone resnet18 --weights resnet18-f37072fd.pth photo.png
        """
    )

    @Option(help: "Teacher network: \(BackboneName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var backbone: String = BackboneName.efficientNetLite0.rawValue

    @Option(help: "Weights file (.pth or .safetensors); default: the installed EfficientNet-Lite weights.",
            completion: .file(extensions: ["pth", "safetensors"]))
    var weights: String?

    @Option(help: "Input size in pixels.")
    var size = 256

    @Flag(help: "Also print each class's probability.")
    var probabilities = false

    @Argument(help: "An image (PNG, JPEG, BMP or TIFF).", completion: .file())
    var image: String

    func validate() throws {
        guard !backbone.contains(",") else {
            throw ValidationError("--backbone: classify runs one backbone at a time; run it once per teacher of '\(backbone)'")
        }
        guard BackboneName(rawValue: backbone) != nil else {
            throw ValidationError("unknown backbone '\(backbone)'; choose one of \(BackboneName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (32...2048).contains(size) else { throw ValidationError("--size must be between 32 and 2048, got \(size)") }
    }

    func run() throws {
        let name = BackboneName(rawValue: backbone)!
        let network = try name.pretrained(weights: weights)
        let input = try ImageFile.read(image, resizedTo: size, size).rgb().tensor(normalization: name.normalization)
        let scores = withoutGradients { network(input).softmax(alongAxis: 1) }.scalars
        guard scores.count == imageNetClassNames.count else {
            throw ValidationError("the weights give \(scores.count) classes, not ImageNet's \(imageNetClassNames.count)")
        }
        for index in scores.indices.sorted(by: { scores[$0] > scores[$1] }).prefix(5) {
            print(probabilities ? String(format: "%@\t%.4f", imageNetClassNames[index], scores[index]) : imageNetClassNames[index])
        }
    }
}
