import Foundation
import LoupeData
import LoupeImaging

extension FuzzTarget {
    /// Every image format Loupe reads, chosen by content as for files. The pixel cap is
    /// lowered so a header promising a huge image is refused quickly.
    static let images = FuzzTarget(name: "images", reads: "PNG, JPEG, TIFF, BMP (with EXIF) decoding") { bytes in
        _ = try? ImageFile.decode(Data(bytes), maximumPixels: 1 << 22)
    }

    /// Sizes read from headers alone and the tile plans made from them, as tiled training
    /// and mask checks read them: a size the decoders would refuse never reaches a plan.
    static let imageSizes = FuzzTarget(name: "image-sizes", reads: "header-only image sizes and the tile plan of a frame") { bytes in
        withFile(bytes, named: "frame") { path in
            guard let size = try? ImageFile.dimensions(path, maximumPixels: 1 << 22) else { return }
            for tiling in [Tiling(size: 64, overlap: 16), Tiling(size: 32, overlap: 0)] {
                let grid = tiling.grid(width: size.width, height: size.height)
                if grid.count > 0 { _ = grid.origin(grid.count - 1) }
            }
        }
    }
}
