import FuzzDriver
import LoupeModels

/// PyTorch `.pth` files (the zip layout and the legacy pickle) and safetensors, as
/// `--weights` reads them: tensors or a `WeightsError`, never code run from the pickle.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    withFile(bytes(data, size), named: "weights.pth") { path in _ = try? WeightFile.load(path) }
    return 0
}

@_cdecl("FuzzTorchWeights_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
