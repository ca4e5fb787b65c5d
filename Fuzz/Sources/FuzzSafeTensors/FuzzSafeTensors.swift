import Foundation
import FuzzDriver
import LoupeTensor

/// safetensors bytes (checkpoints, feature-store entries, weights): decoded or a
/// `SafeTensorsError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? SafeTensors(decoding: Data(bytes(data, size)))
    return 0
}

@_cdecl("FuzzSafeTensors_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
