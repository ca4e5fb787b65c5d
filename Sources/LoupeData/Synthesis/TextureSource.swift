import Foundation
import LoupeFormats
import LoupeImaging
import LoupeTensor

/// Images to paste into synthetic anomalies: any folder of PNGs; Loupe ships three CC0
/// textures (brick, grass, gravel) in `textures/`.
public struct TextureSource: Sendable {
    public let paths: [String]
    /// Each texture decoded once per run: every synthetic defect read and decoded its file.
    private let decoded = DecodedTextures()

    /// The shipped CC0 set wherever the binary runs (`ShippedFiles`: `$LOUPE_TEXTURES`, the
    /// installed prefix's, the checkout's, ./textures); nil when none of them exists.
    public static var defaultFolder: String? { ShippedFiles.folder("textures", environment: "LOUPE_TEXTURES") }

    /// The textures of `folder`, or of the shipped set; without either, an error naming every
    /// place looked and the option that sets it.
    public static func load(folder: String?) throws -> TextureSource {
        if let folder { return try TextureSource(folder: folder) }
        guard let found = defaultFolder else {
            throw DatasetError.noTextures(searched: ShippedFiles.candidates("textures", environment: "LOUPE_TEXTURES"))
        }
        return try TextureSource(folder: found)
    }

    /// The PNGs in `folder`.
    public init(folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.missingFolder(path: folder, role: "texture")
        }
        paths = Dataset.listImages(folder)
        guard !paths.isEmpty else { throw DatasetError.noImages(path: folder, role: "texture") }
    }

    /// A random texture cropped to a random region at least half its size.
    public func randomTexture(using generator: inout SeededGenerator) throws -> Image {
        let image = try decoded.image(at: paths[Int(generator.next() % UInt64(paths.count))])
        let width = max(1, image.width / 2 + Int(generator.next() % UInt64(image.width / 2 + 1)))
        let height = max(1, image.height / 2 + Int(generator.next() % UInt64(image.height / 2 + 1)))
        let x = Int(generator.next() % UInt64(image.width - min(width, image.width) + 1))
        let y = Int(generator.next() % UInt64(image.height - min(height, image.height) + 1))
        return image.cropped(x: x, y: y, width: min(width, image.width), height: min(height, image.height))
    }
}

/// Decoded texture files, kept up to a budget (a large user folder is decoded again on each
/// use past it rather than held whole).
final class DecodedTextures: @unchecked Sendable {
    /// 128 Mi values (512 MB): Loupe's three textures take 0.75 Mi.
    static let budget = 1 << 27
    private let lock = NSLock()
    private var images: [String: Image] = [:]
    private var kept = 0

    func image(at path: String) throws -> Image {
        if let hit = lock.withLock({ images[path] }) { return hit }
        let image = try ImageFile.read(path)
        lock.withLock {
            if images[path] == nil && kept + image.pixels.count <= Self.budget {
                images[path] = image
                kept += image.pixels.count
            }
        }
        return image
    }
}
