import Foundation
import LoupeTensor

extension Image {
    /// The centre `width`×`height` region, placed as torchvision's `CenterCrop` does
    /// (offsets rounded half to even, like Python's `round`).
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> Image {
        invariant(cropWidth <= width && cropHeight <= height && cropWidth > 0 && cropHeight > 0,
                  "centerCropped: \(cropWidth)x\(cropHeight) does not fit in \(width)x\(height)")
        let top = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
        return cropped(x: left, y: top, width: cropWidth, height: cropHeight)
    }

    /// The region with top-left corner (x, y).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
        invariant(x >= 0 && y >= 0 && x + cropWidth <= width && y + cropHeight <= height && cropWidth > 0 && cropHeight > 0,
                  "cropped: region \(cropWidth)x\(cropHeight) at (\(x), \(y)) is outside \(width)x\(height)")
        var out = [Float]()
        out.reserveCapacity(cropWidth * cropHeight * channels)
        for c in 0..<channels {
            for row in y..<(y + cropHeight) {
                let start = (c * height + row) * width + x
                out.append(contentsOf: pixels[start..<(start + cropWidth)])
            }
        }
        return Image(width: cropWidth, height: cropHeight, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }

    /// Mirrored left to right.
    public func flippedHorizontally() -> Image {
        var out = pixels
        for line in 0..<(channels * height) {
            for x in 0..<width { out[line * width + x] = pixels[line * width + width - 1 - x] }
        }
        return Image(width: width, height: height, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }

    /// Rows become columns (the mirror image across the main diagonal): width and height swap.
    public func transposed() -> Image {
        var out = [Float](repeating: 0, count: pixels.count)
        let plane = width * height
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width { out[c * plane + x * height + y] = pixels[c * plane + y * width + x] }
            }
        }
        return Image(width: height, height: width, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }

    /// Mirrored top to bottom.
    public func flippedVertically() -> Image {
        var out = pixels
        for c in 0..<channels {
            for y in 0..<height {
                let from = (c * height + height - 1 - y) * width, to = (c * height + y) * width
                out.replaceSubrange(to..<(to + width), with: pixels[from..<(from + width)])
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out, sourceBitDepth: sourceBitDepth)
    }

    /// Three colour channels, as Pillow's `convert("RGB")`: grey is repeated, alpha dropped.
    public func rgb() -> Image {
        switch channels {
        case 3: return self
        case 4: return Image(width: width, height: height, channels: 3, pixels: Array(pixels[0..<(3 * width * height)]), sourceBitDepth: sourceBitDepth)
        default:
            let grey = Array(plane(0))
            return Image(width: width, height: height, channels: 3, pixels: grey + grey + grey, sourceBitDepth: sourceBitDepth)
        }
    }

    /// One luminance channel, as Pillow's `convert("L")`: L = (19595·R + 38470·G + 7471·B
    /// + 2¹⁵) >> 16 for 8-bit images (ITU-R 601), alpha dropped.
    public func grey() -> Image {
        switch channels {
        case 1: return self
        case 2: return Image(width: width, height: height, channels: 1, pixels: Array(plane(0)), sourceBitDepth: sourceBitDepth)
        default:
            let n = width * height
            let integer = sourceBitDepth == 8
            let luminance = (0..<n).map { i -> Float in
                let (r, g, b) = (pixels[i], pixels[n + i], pixels[2 * n + i])
                if integer {
                    return Float((19595 * Int(r) + 38470 * Int(g) + 7471 * Int(b) + 0x8000) >> 16)
                }
                return 0.299 * r + 0.587 * g + 0.114 * b
            }
            return Image(width: width, height: height, channels: 1, pixels: luminance, sourceBitDepth: sourceBitDepth)
        }
    }
}

/// How pixel values (0–255) become network inputs.
public enum Normalization: String, Sendable, CaseIterable {
    /// (x/255 − mean) / std with ImageNet's statistics: torchvision's ResNets.
    case imageNet
    /// (x − 127) / 128: the TF-Lite EfficientNet-Lite models.
    case efficientNetLite
    /// x / 255.
    case unit

    static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// (scale, shift) per channel so that value · scale + shift is the normalised value.
    public func affine(channel: Int) -> (Float, Float) {
        switch self {
        case .imageNet:
            let mean = Self.imageNetMean[channel % 3], std = Self.imageNetStd[channel % 3]
            return (1 / (255 * std), -mean / std)
        case .efficientNetLite: return (1 / 128, -127 / 128)
        case .unit: return (1 / 255, 0)
        }
    }
}

extension Image {
    /// The image as a 1×C×H×W tensor, normalised.
    public func tensor(normalization: Normalization) -> Tensor {
        Tensor.build(shape: [1, channels, height, width]) { out in
            let n = width * height
            for c in 0..<channels {
                let (scale, shift) = normalization.affine(channel: c)
                for i in 0..<n { out[c * n + i] = pixels[c * n + i] * scale + shift }
            }
        }
    }

    /// An image from channel `0..<channels` of a 1×C×H×W (or C×H×W) tensor of 0–255 values.
    public init(tensor: Tensor) {
        let shape = tensor.rank == 4 ? Array(tensor.shape.dropFirst()) : tensor.shape
        invariant(shape.count == 3 && (tensor.rank == 3 || tensor.shape[0] == 1), "Image(tensor:): needs 1×C×H×W or C×H×W, got \(tensor.shape)")
        self.init(width: shape[2], height: shape[1], channels: shape[0], pixels: tensor.scalars, sourceBitDepth: 16)
    }
}
