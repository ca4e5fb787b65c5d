import LoupeImaging
import Testing

/// The ROI box and the crop-and-paste-back round trip.
@Suite struct RegionCropTests {
    @Test func boxAroundTheMaskWithMarginClampedToTheFrame() throws {
        var mask = [Bool](repeating: false, count: 20 * 10)
        for row in 3...6 { for column in 4...13 { mask[row * 20 + column] = true } }
        // 10×4 box, 10 % margin: 1 pixel left/right, 0.4 → 0 rows up/down.
        #expect(RegionCrop.around(mask: mask, width: 20, height: 10, margin: 0.1)
                == RegionCrop(frameWidth: 20, frameHeight: 10, x: 3, y: 3, width: 12, height: 4))
        // A large margin stops at the frame's edges.
        #expect(RegionCrop.around(mask: mask, width: 20, height: 10, margin: 1)
                == RegionCrop(frameWidth: 20, frameHeight: 10, x: 0, y: 0, width: 20, height: 10))
        #expect(RegionCrop.around(mask: [Bool](repeating: false, count: 200), width: 20, height: 10, margin: 0.1) == nil)
    }

    /// A known frame-sized map, cropped to the box and pasted back at the box's size, is the
    /// map again inside the box and the fill outside, exactly.
    @Test func cropThenPasteBackIsExact() throws {
        let (width, height) = (23, 17)
        let map = (0..<(width * height)).map { Float(($0 * 7919) % 1013) / 1013 }
        let region = RegionCrop(frameWidth: width, frameHeight: height, x: 5, y: 2, width: 11, height: 9)
        let cropped = region.crop(Image(width: width, height: height, channels: 1, pixels: map))
        #expect(cropped.width == 11 && cropped.height == 9)
        let back = region.pasteBack(cropped.pixels, width: 11, height: 9, outside: -1)
        for row in 0..<height {
            for column in 0..<width {
                let inside = (5..<16).contains(column) && (2..<11).contains(row)
                #expect(back[row * width + column] == (inside ? map[row * width + column] : -1))
            }
        }
        // At another size the map is resized bilinearly into the box: a constant stays so.
        let resized = region.pasteBack([Float](repeating: 0.25, count: 64), width: 8, height: 8, outside: 0)
        #expect(resized.filter { $0 == 0.25 }.count == 11 * 9 && resized.filter { $0 == 0 }.count == width * height - 99)
    }
}
