import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// How a run turns files into network inputs and masks: the one place training,
/// evaluation and inference prepare images, so they can never drift apart.
public struct Preprocessing: Sendable {
    /// The network's square input: the resized image, or a tile.
    public let size: Int
    public let normalization: Normalization
    /// Cut frames into tiles at native resolution instead of resizing them (nil: resize).
    public let tiling: Tiling?
    /// Crop every frame to its part first (two-stage inspection; nil: the whole frame).
    public let region: RegionCropper?

    public init(size: Int, normalization: Normalization, tiling: Tiling? = nil, region: RegionCropper? = nil) {
        self.size = tiling?.size ?? size
        self.normalization = normalization
        self.tiling = tiling
        self.region = region
    }

    /// 1×3×size×size: resized as Pillow's bilinear (grey first, then replicated), normalised.
    public func input(_ path: String) throws -> Tensor {
        try image(path).tensor(normalization: normalization)
    }

    /// The resized RGB image before normalisation.
    func image(_ path: String) throws -> Image {
        try ImageFile.read(path, resizedTo: size, size).rgb()
    }

    /// An image ready for the network: its map will be `width`×`height`.
    public struct Prepared: Sendable {
        public let width: Int, height: Int
        /// The frame (or its part) and its tiles (tiled runs), or nil when `resized` is the one input.
        public let frame: Image?
        public let grid: TileGrid?
        let resized: Image?
        /// With a ROI run: where the network's view sits in the frame (the whole frame when
        /// no part was found); its map is pasted back there.
        public var region: RegionCrop? = nil
        /// With a ROI run: the segmenter found no part, so the whole frame was scored.
        public var partMissing = false

        /// The map's size before it is pasted into the frame: the input, or the tiled part.
        var innerWidth: Int { grid?.width ?? resized?.width ?? width }
        var innerHeight: Int { grid?.height ?? resized?.height ?? height }

        /// A map of the network's view (`innerWidth`×`innerHeight`) in frame pixels: pasted
        /// into its box, the rest at the map's minimum (outside the part is never the worst).
        func inFrame(_ map: [Float]) -> [Float] {
            guard let region else { return map }
            return region.pasteBack(map, width: innerWidth, height: innerHeight, outside: map.min() ?? 0)
        }

        /// How many inputs the network sees for this image.
        public var inputCount: Int { grid?.count ?? 1 }

        /// Input `index` (1×3×size×size), cut on demand so a large frame's tiles are never
        /// all in memory at once.
        public func input(_ index: Int, normalization: Normalization) -> Tensor {
            image(index).tensor(normalization: normalization)
        }

        /// Input `index` before normalisation (what training augments).
        public func image(_ index: Int) -> Image {
            if let grid, let frame { return grid.tile(index, of: frame) }
            return resized!
        }
    }

    /// Reads `path` as the run needs it: resized, or kept at native size for tiling; with a
    /// ROI run, the part's box of the frame instead of the frame, the map in frame pixels.
    public func prepare(_ path: String) throws -> Prepared {
        if let region {
            let frame = try ImageFile.read(path).rgb()
            let found = region.crop(of: frame)
            let box = found ?? RegionCrop(frameWidth: frame.width, frameHeight: frame.height, x: 0, y: 0, width: frame.width, height: frame.height)
            let part = box.crop(frame)
            var prepared = tiling.map { tiling in
                Prepared(width: frame.width, height: frame.height, frame: part, grid: tiling.grid(width: part.width, height: part.height), resized: nil)
            } ?? Prepared(width: frame.width, height: frame.height, frame: nil, grid: nil, resized: part.resized(width: size, height: size))
            (prepared.region, prepared.partMissing) = (box, found == nil)
            return prepared
        }
        guard let tiling else { return Prepared(width: size, height: size, frame: nil, grid: nil, resized: try image(path)) }
        let frame = try ImageFile.read(path).rgb()
        return Prepared(width: frame.width, height: frame.height, frame: frame, grid: tiling.grid(width: frame.width, height: frame.height), resized: nil)
    }

    /// width×height booleans for a map of that size: nearest-resized, > 127 is defect (as
    /// the reference); no mask (a good image) is all false. Masks whose values all stay below
    /// half scale are label images (VisA writes 0 and small class numbers): there any value
    /// above 0 is defect.
    /// Throws unless the mask at `maskPath` has the size of the image at `imagePath` (headers only).
    public static func checkMaskSize(_ maskPath: String, image imagePath: String) throws {
        let mask = try MaskFile.dimensions(maskPath), image = try ImageFile.dimensions(imagePath)
        guard mask == image else {
            throw DatasetError.maskSizeMismatch(mask: maskPath, maskSize: "\(mask.width)x\(mask.height)",
                                                image: imagePath, imageSize: "\(image.width)x\(image.height)")
        }
    }

    public static func mask(_ path: String?, width: Int, height: Int) throws -> [Bool] {
        guard let path else { return [Bool](repeating: false, count: width * height) }
        return try MaskFile.read(path, width: width, height: height)
    }
}
