import Foundation

/// Where Loupe keeps what it can make again (teacher weights it fetched, teacher features):
/// `$XDG_CACHE_HOME/loupe` when that is set (the XDG convention batch nodes and desktops
/// use), else `~/.cache/loupe`. Each kind has its own override beside (`LOUPE_WEIGHTS`,
/// `LOUPE_CACHE`).
public enum CacheFolder {
    public static var root: String {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/loupe" }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe").path
    }
}
