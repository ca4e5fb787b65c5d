import FuzzDriver
import LoupeConsole
import LoupeEngine

/// TOML as users edit it: a run's `config.toml` (`train --config`) and a console theme; a
/// configuration or one error naming the line and key.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    withFile(bytes(data, size), named: "config.toml") { path in
        _ = try? RunConfigurationFile.read(path)
        _ = try? Theme(contentsOf: path)
    }
    return 0
}

@_cdecl("FuzzConfiguration_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, test) }
