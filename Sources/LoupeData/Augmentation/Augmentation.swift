import Foundation
import LoupeImaging
import LoupeTensor

/// Random training-time changes to good images, drawn from a seeded generator so a run is
/// reproducible. Each is off by default; the geometry ones keep the image size.
public struct Augmentation: Sendable, Equatable, Codable {
    public var horizontalFlipProbability: Float = 0
    public var verticalFlipProbability: Float = 0
    /// Rotations are drawn uniformly from ±this many degrees.
    public var maximumRotationDegrees: Float = 0
    /// Brightness and contrast factors are drawn from 1 ± these.
    public var brightness: Float = 0
    public var contrast: Float = 0
    /// Saturation factor range (RGB only).
    public var saturation: Float = 0

    public init(horizontalFlipProbability: Float = 0, verticalFlipProbability: Float = 0, maximumRotationDegrees: Float = 0,
                brightness: Float = 0, contrast: Float = 0, saturation: Float = 0) {
        self.horizontalFlipProbability = horizontalFlipProbability
        self.verticalFlipProbability = verticalFlipProbability
        self.maximumRotationDegrees = maximumRotationDegrees
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
    }

    public static let none = Augmentation()

    /// Whether any change is on: a run without augmentation trains on cached teacher features.
    public var isActive: Bool { self != .none }

    /// The settings by name, as config files and `--augment` write them.
    public static let keys = ["horizontal_flip", "vertical_flip", "rotation", "brightness", "contrast", "saturation"]

    public subscript(key: String) -> Float? {
        get {
            switch key {
            case "horizontal_flip": return horizontalFlipProbability
            case "vertical_flip": return verticalFlipProbability
            case "rotation": return maximumRotationDegrees
            case "brightness": return brightness
            case "contrast": return contrast
            case "saturation": return saturation
            default: return nil
            }
        }
        set {
            let value = newValue ?? 0
            switch key {
            case "horizontal_flip": horizontalFlipProbability = value
            case "vertical_flip": verticalFlipProbability = value
            case "rotation": maximumRotationDegrees = value
            case "brightness": brightness = value
            case "contrast": contrast = value
            case "saturation": saturation = value
            default: break
            }
        }
    }

    /// The accepted range of a setting: probabilities 0–1, rotation 0–180°, factors 0–1.
    public static func range(of key: String) -> ClosedRange<Float> { key == "rotation" ? 0...180 : 0...1 }

    /// "horizontal_flip=0.5,rotation=10": unnamed settings stay off.
    public init(specification: String) throws {
        self.init()
        for part in specification.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, Self.keys.contains(pieces[0]) else { throw AugmentationError.unknownSetting(String(part)) }
            guard let value = Float(pieces[1]), Self.range(of: pieces[0]).contains(value) else {
                throw AugmentationError.badValue(key: pieces[0], value: pieces[1], range: Self.range(of: pieces[0]))
            }
            self[pieces[0]] = value
        }
    }

    public func apply(_ image: Image, using generator: inout SeededGenerator) -> Image {
        var result = image
        if generator.nextUniform() < horizontalFlipProbability { result = result.flippedHorizontally() }
        if generator.nextUniform() < verticalFlipProbability { result = result.flippedVertically() }
        if maximumRotationDegrees > 0 {
            let degrees = (generator.nextUniform() * 2 - 1) * maximumRotationDegrees
            result = result.rotated(degrees: degrees)
        }
        if brightness > 0 || contrast > 0 || saturation > 0 {
            result = result.colourJittered(brightness: 1 + (generator.nextUniform() * 2 - 1) * brightness,
                                           contrast: 1 + (generator.nextUniform() * 2 - 1) * contrast,
                                           saturation: 1 + (generator.nextUniform() * 2 - 1) * saturation)
        }
        return result
    }
}

/// Why an augmentation specification cannot be used.
public enum AugmentationError: UserInputError, Equatable {
    case unknownSetting(String)
    case badValue(key: String, value: String, range: ClosedRange<Float>)

    public var description: String {
        switch self {
        case let .unknownSetting(text): return "augmentation '\(text)': expected NAME=VALUE with NAME one of \(Augmentation.keys.joined(separator: ", "))"
        case let .badValue(key, value, range): return "augmentation '\(key)' is \(value); expected \(range.lowerBound) to \(range.upperBound)"
        }
    }
}

extension Image {
    /// Rotated about the centre by `degrees` (counter-clockwise), sampled bilinearly, with
    /// the border reflected so no black corners appear (they would look like defects).
    public func rotated(degrees: Float) -> Image {
        let radians = Double(degrees) * .pi / 180
        let (c, s) = (cos(radians), sin(radians))
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        func reflect(_ v: Double, _ size: Int) -> Double {
            let period = Double(2 * max(size - 1, 1))
            var m = v.truncatingRemainder(dividingBy: period)
            if m < 0 { m += period }
            return m > Double(size - 1) ? period - m : m
        }
        var out = [Float](repeating: 0, count: pixels.count)
        let plane = width * height
        for y in 0..<height {
            for x in 0..<width {
                // Inverse mapping: where this output pixel comes from.
                let dx = Double(x) - cx, dy = Double(y) - cy
                let sx = reflect(c * dx - s * dy + cx, width), sy = reflect(s * dx + c * dy + cy, height)
                let x0 = min(Int(sx), width - 1), y0 = min(Int(sy), height - 1)
                let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                for channel in 0..<channels {
                    let base = channel * plane
                    let top = pixels[base + y0 * width + x0] * (1 - fx) + pixels[base + y0 * width + x1] * fx
                    let bottom = pixels[base + y1 * width + x0] * (1 - fx) + pixels[base + y1 * width + x1] * fx
                    out[base + y * width + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out, sourceBitDepth: 16)
    }

    /// Brightness (scale), contrast (about the mean grey level) and saturation (about each
    /// pixel's grey), as torchvision's ColorJitter factors; alpha is left alone.
    public func colourJittered(brightness: Float, contrast: Float, saturation: Float) -> Image {
        let plane = width * height
        let colour = min(channels, 3)
        var out = pixels
        for i in 0..<(colour * plane) { out[i] *= brightness }
        let greyOf: (Int) -> Float = { i in colour == 3 ? 0.299 * out[i] + 0.587 * out[plane + i] + 0.114 * out[2 * plane + i] : out[i] }
        let mean = (0..<plane).reduce(Float(0)) { $0 + greyOf($1) } / Float(plane)
        for i in 0..<(colour * plane) { out[i] = (out[i] - mean) * contrast + mean }
        if colour == 3 && saturation != 1 {
            for i in 0..<plane {
                let grey = greyOf(i)
                for c in 0..<3 { out[c * plane + i] = (out[c * plane + i] - grey) * saturation + grey }
            }
        }
        for i in 0..<(colour * plane) { out[i] = min(max(out[i], 0), 255) }
        return Image(width: width, height: height, channels: channels, pixels: out, sourceBitDepth: 16)
    }
}
