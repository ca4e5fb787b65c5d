import LoupeImaging

/// Composes what the Browser's image pane shows from the image, its anomaly map and its mask.
public enum PaneImage {
    /// The heat map is anchored at the image threshold: it sits mid-scale, so hot means above it.
    public static func compose(_ mode: ConsoleState.PaneMode, image: Image, map: [Float]?, mask: [Bool]?, threshold: Float,
                               colourMap: ColourMap, contour: (UInt8, UInt8, UInt8)) -> Image {
        let rgb = image.rgb()
        guard mode != .image, let map, map.count == rgb.width * rgb.height else { return rgb }
        let heat = Image.heatMap(map, width: rgb.width, height: rgb.height, low: 0, high: 2 * max(threshold, .ulpOfOne), colourMap: colourMap)
        switch mode {
        case .image: return rgb
        case .heat: return heat
        case .overlay: return rgb.overlaid(with: heat, opacity: 0.45)
        case .contour:
            let overlay = rgb.overlaid(with: heat, opacity: 0.45)
            guard let mask, mask.count == map.count else { return overlay }
            return outlined(overlay, mask: mask, colour: contour)
        }
    }

    /// Paints the ROI box's border (inside the box) in `colour`; the box is in frame pixels
    /// and scaled to the image. The border is 2 pixels, or 1/64 of the image's shorter side
    /// when larger, so it survives the pane's downscaling of a large frame (a 512² frame in a
    /// 37-pixel pane lost a 2-pixel border).
    public static func boxed(_ image: Image, region: RegionCrop, colour: (UInt8, UInt8, UInt8)) -> Image {
        let (width, height) = (image.width, image.height)
        let scaleX = Double(width) / Double(region.frameWidth), scaleY = Double(height) / Double(region.frameHeight)
        let left = Int(Double(region.x) * scaleX), top = Int(Double(region.y) * scaleY)
        let right = min(width - 1, Int(Double(region.x + region.width) * scaleX) - 1)
        let bottom = min(height - 1, Int(Double(region.y + region.height) * scaleY) - 1)
        guard right > left, bottom > top else { return image }
        let border = max(2, (min(width, height) + 63) / 64)
        var pixels = image.rgb().pixels
        let plane = width * height
        for y in top...bottom {
            for x in left...right where x - left < border || right - x < border || y - top < border || bottom - y < border {
                (pixels[y * width + x], pixels[plane + y * width + x], pixels[2 * plane + y * width + x]) = (Float(colour.0), Float(colour.1), Float(colour.2))
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Paints the mask's boundary (mask pixels with a 4-neighbour outside it) in `colour`.
    public static func outlined(_ image: Image, mask: [Bool], colour: (UInt8, UInt8, UInt8)) -> Image {
        let (width, height) = (image.width, image.height)
        var pixels = image.pixels
        let plane = width * height
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] {
                let edge = x == 0 || y == 0 || x == width - 1 || y == height - 1
                    || !mask[y * width + x - 1] || !mask[y * width + x + 1] || !mask[(y - 1) * width + x] || !mask[(y + 1) * width + x]
                guard edge else { continue }
                pixels[y * width + x] = Float(colour.0)
                pixels[plane + y * width + x] = Float(colour.1)
                pixels[2 * plane + y * width + x] = Float(colour.2)
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
}
