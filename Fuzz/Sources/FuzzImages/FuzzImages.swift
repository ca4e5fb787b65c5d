import Foundation
import FuzzDriver
import LoupeImaging

/// Every image format Loupe reads (the format is chosen by content, as for files): a decoded
/// image or an `ImageError`, never a crash, hang or leak. The pixel cap is lowered so a
/// header promising a huge image is refused quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? ImageFile.decode(Data(bytes(data, size)), maximumPixels: 1 << 22)
    return 0
}

@_cdecl("FuzzImages_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
