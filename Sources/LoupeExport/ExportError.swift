import LoupeTensor

/// Why a run cannot be exported; each case names the operation or setting at fault.
public enum ExportError: UserInputError, Equatable {
    /// An engine operation the ONNX writer has no translation for.
    case unsupportedOperation(String)
    /// The pass changes with the batch size where ONNX cannot say so (a reshape merging the
    /// batch with another axis in two places).
    case batchDependent(operation: String)
    /// A value computed outside the engine's traced operations changed with the input: the
    /// graph would hold it as a constant and be wrong.
    case untracedComputation(shape: [Int], readBy: String)
    case unknownFormat(String)
    /// `--with-preprocessing` on an untiled run without `--frame`: the resize needs the frames' size.
    case preprocessingNeedsFrame
    /// `--frame` on a tiled run, whose model takes tiles at native resolution.
    case frameOfTiledRun(tile: Int)
    /// `--with-preprocessing` on a ROI run: each frame's crop has its own size.
    case preprocessingWithRegion
    /// `--frame` that is not WIDTHxHEIGHT with positive whole numbers.
    case badFrame(String)

    public var description: String {
        switch self {
        case let .unsupportedOperation(name): return "the scoring pass uses \(name), which has no ONNX translation yet: this run cannot be exported"
        case let .batchDependent(operation): return "\(operation) depends on the batch size in a way ONNX cannot express: this run cannot be exported"
        case let .untracedComputation(shape, readBy):
            return "a value of shape \(shape.map(String.init).joined(separator: "×")) read by \(readBy) is computed outside the engine's operations and changes with the input: this run cannot be exported"
        case let .unknownFormat(format): return "--format \(format): Loupe exports onnx"
        case .preprocessingNeedsFrame:
            return "--with-preprocessing needs --frame WIDTHxHEIGHT, the size of the frames the model will take (it resizes them inside)"
        case let .frameOfTiledRun(tile):
            return "--frame: this run is tiled, so its model takes \(tile)×\(tile) tiles at native resolution; leave --frame out"
        case .preprocessingWithRegion:
            return "--with-preprocessing: this run crops each frame to its part (ROI) first, and each crop has its own size; export without it and resize the crop yourself"
        case let .badFrame(text): return "--frame \(text): expected WIDTHxHEIGHT, e.g. 640x480"
        }
    }
}
