import LoupeTensor

/// A decoded picture: planar channels of Float samples on the 0–255 scale (16-bit sources
/// keep their precision as fractions), ready to become a tensor.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// channels × height × width samples, channel-major.
    public var pixels: [Float]
    /// 8 when every sample is a whole number 0–255 (as decoded from an 8-bit file), so
    /// resizing uses Pillow's integer arithmetic; 16 for anything finer (16-bit files,
    /// results of interpolation). Transforms that produce fractions set 16.
    public var sourceBitDepth: Int

    public init(width: Int, height: Int, channels: Int, pixels: [Float], sourceBitDepth: Int = 8) {
        invariant(width > 0 && height > 0 && (1...4).contains(channels), "Image: invalid size \(width)x\(height)x\(channels)")
        invariant(pixels.count == width * height * channels,
                  "Image: \(width)x\(height)x\(channels) needs \(width * height * channels) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.sourceBitDepth = sourceBitDepth
    }

    /// A blank image.
    public init(width: Int, height: Int, channels: Int, value: Float = 0) {
        self.init(width: width, height: height, channels: channels, pixels: [Float](repeating: value, count: width * height * channels))
    }

    /// Sample at (x, y) of `channel`.
    public subscript(channel: Int, y: Int, x: Int) -> Float {
        get { pixels[(channel * height + y) * width + x] }
        set { pixels[(channel * height + y) * width + x] = newValue }
    }

    /// One channel as a planar slice.
    public func plane(_ channel: Int) -> ArraySlice<Float> {
        pixels[(channel * width * height)..<((channel + 1) * width * height)]
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }
}

extension Image {
    /// A planar image from interleaved 8-bit samples, as decoders hand them back.
    init(width: Int, height: Int, channels: Int, interleaved samples: UnsafePointer<UInt8>) {
        let plane = width * height
        var pixels = [Float](repeating: 0, count: plane * channels)
        pixels.withUnsafeMutableBufferPointer { out in
            if channels == 1 {
                for i in 0..<plane { out[i] = Float(samples[i]) }
            } else {
                for i in 0..<plane { for c in 0..<channels { out[c * plane + i] = Float(samples[i * channels + c]) } }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels, sourceBitDepth: 8)
    }

    /// A planar image from interleaved 16-bit samples (host order), scaled to 0–255.
    init(width: Int, height: Int, channels: Int, interleaved samples: UnsafePointer<UInt16>) {
        let plane = width * height
        let scale = Float(255) / 65535
        var pixels = [Float](repeating: 0, count: plane * channels)
        pixels.withUnsafeMutableBufferPointer { out in
            for i in 0..<plane { for c in 0..<channels { out[c * plane + i] = Float(samples[i * channels + c]) * scale } }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels, sourceBitDepth: 16)
    }
}
