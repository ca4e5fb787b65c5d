import Foundation

/// Where the folders Loupe ships (`textures/`, `themes/`) are found, wherever the binary is
/// run from: an installed binary reads them beside its prefix (`make install PREFIX=P`
/// puts them in `P/share/loupe/`), a built one from the checkout it was built in. One rule
/// for every shipped folder, so `--theme` and the synthetic-defect textures look alike.
public enum ShippedFiles {
    /// The places searched for the shipped folder `name`, in order: the folder the
    /// environment variable names (an explicit choice wins), `PREFIX/share/loupe/NAME` of the
    /// running executable, NAME in the checkout the executable was built in, NAME in the
    /// working folder.
    public static func candidates(_ name: String, environment variable: String) -> [String] {
        var folders: [String] = []
        if let folder = ProcessInfo.processInfo.environment[variable], !folder.isEmpty { folders.append(folder) }
        if let executable = executablePath {
            let bin = URL(fileURLWithPath: executable).deletingLastPathComponent()
            folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/loupe/" + name).path)
            // .build/<configuration>/loupe or .build/<triple>/<configuration>/loupe: the
            // checkout is the nearest ancestor holding the package manifest.
            var folder = bin
            for _ in 0..<4 {
                folder = folder.deletingLastPathComponent()
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                    folders.append(folder.appendingPathComponent(name).path)
                    break
                }
            }
        }
        folders.append(FileManager.default.currentDirectoryPath + "/" + name)
        var seen: Set<String> = []
        return folders.filter { seen.insert($0).inserted }
    }

    /// The first of `candidates` that is a folder, or nil.
    public static func folder(_ name: String, environment variable: String) -> String? {
        candidates(name, environment: variable).first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// The running executable, links resolved (`/proc/self/exe`: the command line's first
    /// word is only a name when the binary was found on the PATH).
    static var executablePath: String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
    }
}
