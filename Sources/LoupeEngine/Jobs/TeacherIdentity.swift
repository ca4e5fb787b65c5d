import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Names teacher weights files by name, size and content hash, to notice a different file.
enum TeacherIdentity {
    static func describe(_ paths: [String]) -> String {
        paths.map { path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let hash = (try? ContentHash.ofFile(path)).map { String(format: "%016llx", $0) } ?? "unreadable"
            return "\((path as NSString).lastPathComponent) (\(size) bytes, content \(hash))"
        }.joined(separator: "; ")
    }
}
