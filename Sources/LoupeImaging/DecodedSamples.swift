import Foundation

/// A decoder's output before it becomes an `Image`: interleaved 8- or 16-bit samples
/// (host order) in a buffer the C codec allocated, freed with this object.
///
/// Kept apart so a frame that is about to be shrunk (a 2048² JPEG fed to a 256² network)
/// is resized straight from its bytes, never held at full size as floats.
final class DecodedSamples {
    let width: Int, height: Int, channels: Int, bitDepth: Int
    let pointer: UnsafeMutableRawPointer

    init(width: Int, height: Int, channels: Int, bitDepth: Int, pointer: UnsafeMutableRawPointer) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.pointer = pointer
    }

    deinit { free(pointer) }

    /// Every sample, as planar floats on the 0–255 scale.
    var image: Image {
        bitDepth == 16
            ? Image(width: width, height: height, channels: channels, interleaved: pointer.assumingMemoryBound(to: UInt16.self))
            : Image(width: width, height: height, channels: channels, interleaved: pointer.assumingMemoryBound(to: UInt8.self))
    }

    /// The image resized to `newWidth`×`newHeight`, equal to `image.resized(...)`: for 8-bit
    /// samples the horizontal pass reads the bytes directly (Pillow's integer arithmetic).
    func resized(width newWidth: Int, height newHeight: Int) -> Image {
        guard bitDepth == 8, newWidth != width else { return image.resized(width: newWidth, height: newHeight) }
        let table = ResamplingTable(inputSize: width, outputSize: newWidth)
        let (width, height, channels) = (self.width, self.height, self.channels)
        let source = pointer.assumingMemoryBound(to: UInt8.self)
        let shift = Int32(ResamplingWeights.precisionBits), half = Int32(1 << (ResamplingWeights.precisionBits - 1))
        var out = [Float](repeating: 0, count: channels * height * newWidth)
        let plane = height * newWidth
        out.withUnsafeMutableBufferPointer { target in
            table.fixed.withUnsafeBufferPointer { fixed in
                for y in 0..<height {
                    let row = source + y * width * channels
                    let output = target.baseAddress! + y * newWidth
                    for o in 0..<newWidth {
                        let taps = table.counts[o], weight = fixed.baseAddress! + o * table.stride
                        var pixel = row + table.starts[o] * channels
                        // All channels of a pixel in one sweep: the bytes are read in order.
                        if channels == 3 {
                            var red = half, green = half, blue = half
                            for k in 0..<taps {
                                let w = weight[k]
                                red &+= Int32(pixel[0]) &* w
                                green &+= Int32(pixel[1]) &* w
                                blue &+= Int32(pixel[2]) &* w
                                pixel += 3
                            }
                            output[o] = Float(min(max(red >> shift, 0), 255))
                            output[plane + o] = Float(min(max(green >> shift, 0), 255))
                            output[2 * plane + o] = Float(min(max(blue >> shift, 0), 255))
                        } else {
                            for c in 0..<channels {
                                var sum = half
                                for k in 0..<taps { sum &+= Int32(pixel[k * channels + c]) &* weight[k] }
                                output[c * plane + o] = Float(min(max(sum >> shift, 0), 255))
                            }
                        }
                    }
                }
            }
        }
        let narrowed = Image(width: newWidth, height: height, channels: channels, pixels: out, sourceBitDepth: 8)
        return narrowed.resized(width: newWidth, height: newHeight)
    }
}
