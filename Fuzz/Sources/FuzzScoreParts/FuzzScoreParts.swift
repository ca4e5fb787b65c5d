import FuzzDriver
import LoupeEngine

/// `loupe merge` on score parts written by sharded `infer` (any bytes as one part): the
/// merged CSV or an error naming the part.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    withFile(bytes(data, size), named: "part.csv") { path in _ = try? ScoreParts.merge([path]) }
    return 0
}

@_cdecl("FuzzScoreParts_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
