import Glibc

/// libFuzzer's entry point, declared here because SwiftPM names an executable's `main`
/// after its target: each target's `<Target>_main` calls `runFuzzer` with its one-input test.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// Runs libFuzzer with the command line (`-max_total_time=…`, a corpus folder) on `test`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, test)
}

/// The input as bytes (libFuzzer may pass a null pointer for the empty input).
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Runs `body` on a file holding `bytes` (for readers that take a path), in memory-backed
/// `/dev/shm` when there is one; the file is reused across inputs.
public func withFile<Result>(_ bytes: [UInt8], named name: String, _ body: (String) throws -> Result) rethrows -> Result {
    let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(folder)/loupe-fuzz-\(getpid())-\(name)"
    let file = fopen(path, "wb")
    if let file {
        if !bytes.isEmpty { fwrite(bytes, 1, bytes.count, file) }
        fclose(file)
    }
    return try body(path)
}
