import ArgumentParser
import Foundation
import LoupeEngine
import LoupeExport

/// `loupe export`: a trained run as a model other runtimes score with (ONNX Runtime,
/// OpenVINO, TensorRT), giving the maps and scores `loupe eval` gives.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained run as an ONNX model: images in, anomaly maps and image scores out.",
        discussion: """
        The model takes a batch of preprocessed images (input `images`, N×3×S×S float32: the \
        RGB image resized to S×S, each value · scale + shift as the model's metadata \
        normalization_scale and normalization_shift give) and returns `anomaly_map` \
        (N×S×S, the blur included) and `score` (N, by the run's image-score rule). BatchNorm \
        is folded into the convolutions; opset 18. The metadata records the method, input \
        size, normalisation, threshold, image-score rule, Loupe version and the run's content hash.

        A tiled run exports its tile model: `anomaly_map` is each tile's map before the blur; \
        stitching the tiles, the blur and the score are the caller's (docs/python.md shows how).

        The graph is built from the operations the engine runs while scoring; an operation \
        without an ONNX translation stops the export with its name.

        A run trained with --roi also gets its ROI segmenter, beside it as NAME.roi.onnx: \
        frames in, the part's logits out; its metadata part_box says how Loupe turns them \
        into the box the detector's model scores.

        With --with-preprocessing the model takes the frames themselves (input `image`, \
        N×H×W×3 uint8 RGB, H×W from --frame) and resizes (Pillow's bilinear, bit-exact) and \
        normalises them inside; a tiled run's model then takes 8-bit tiles.

        Examples:
          loupe export --run runs/tex --output tex.onnx
          loupe export --run runs/line3 --with-preprocessing --frame 640x480 --output line3.onnx
        """
    )

    @Option(name: .customLong("run"), help: "Run folder written by `loupe train`.", completion: .directory)
    var runFolder: String

    @Option(help: "Model format: onnx.")
    var format = "onnx"

    @Option(help: "File to write (default: model.onnx in the run folder).", completion: .file(extensions: ["onnx"]))
    var output: String?

    @Flag(help: "Take 8-bit RGB frames (N×H×W×3 uint8) and resize and normalise them inside the model, exactly as Loupe does.")
    var withPreprocessing = false

    @Option(help: ArgumentHelp("With --with-preprocessing, untiled runs: the frames' WIDTHxHEIGHT, e.g. 640x480.", valueName: "WIDTHxHEIGHT"))
    var frame: String?

    func validate() throws {
        guard format == "onnx" else { throw ValidationError(ExportError.unknownFormat(format).description) }
        if let frame { _ = try Self.frameSize(frame) }
        if frame != nil && !withPreprocessing { throw ValidationError("--frame goes with --with-preprocessing") }
    }

    /// `--frame`'s width and height.
    static func frameSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let width = parts[0], let height = parts[1], (1...65_536).contains(width), (1...65_536).contains(height)
        else { throw ExportError.badFrame(text) }
        return (width, height)
    }

    func run() throws {
        let run = RunFolder(runFolder)
        guard run.exists else { throw RunError.missingRun(path: runFolder) }
        let path = output ?? runFolder + "/model.onnx"
        let started = Date()
        var rawFrames: ONNXExport.RawFrames?
        if withPreprocessing {
            rawFrames = try frame.map { let (w, h) = try Self.frameSize($0); return .frame(width: w, height: h) } ?? .tiles
        }
        let segmenterPath = (path.hasSuffix(".onnx") ? String(path.dropLast(5)) : path) + ".roi.onnx"
        let written = try ONNXExport.write(run: run, to: path, rawFrames: rawFrames, segmenterTo: segmenterPath)
        let summary = written.detector
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        print("wrote \(path): \(summary.nodes) nodes, \(summary.parameters) weights (\(size / 1_048_576) MiB), opset 18, "
              + String(format: "%.1f s", Date().timeIntervalSince(started)))
        if summary.tiled { print("tiled run: the model maps one tile before the blur; stitch, blur and score the frame yourself (docs/python.md)") }
        if let roi = written.segmenter {
            print("wrote \(segmenterPath): the ROI segmenter, \(roi.nodes) nodes, \(roi.parameters) weights; "
                  + "crop each frame to the part it finds, then score the crop with \(path) (docs/python.md)")
        }
    }
}
