import FuzzDriver
import LoupeEngine

/// A run's review.jsonl replayed (torn lines, damaged JSON, any bytes): the marks it holds
/// plus warnings, or an error naming the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    withFile(bytes(data, size), named: "review.jsonl") { path in _ = try? ReviewJournal(path: path) }
    return 0
}

@_cdecl("FuzzReviewJournal_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
