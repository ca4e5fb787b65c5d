import Foundation
import LoupeImaging
import LoupeTensor
import LoupeTestSupport
import Testing

/// Transforms against Pillow and torchvision on real photographs.
@Suite struct TransformTests {
    static func fixture(_ name: String) throws -> Image { try ImageFile.read(ImagingFixtures.path("\(name).png")) }

    static func maximumDifference(_ a: Image, _ b: Image) -> Float {
        zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: [("coffee", "coffee_down_64x48", 64, 48), ("coffee", "coffee_down_97x61", 97, 61),
                      ("coffee", "coffee_up_301x203", 301, 203), ("coffee", "coffee_mixed_500x90", 500, 90),
                      ("camera", "camera_down_128x100", 128, 100)])
    func resizeMatchesPillowExactly(source: String, expected: String, width: Int, height: Int) throws {
        let resized = try Self.fixture(source).resized(width: width, height: height)
        let reference = try Self.fixture(expected)
        #expect(resized.width == reference.width && resized.height == reference.height && resized.channels == reference.channels)
        #expect(Self.maximumDifference(resized, reference) == 0)
    }

    @Test func floatResizeStaysWithinOneLevelOfPillow() throws {
        var source = try Self.fixture("coffee")
        source.sourceBitDepth = 16  // take the floating-point path
        let difference = Self.maximumDifference(source.resized(width: 97, height: 61), try Self.fixture("coffee_down_97x61"))
        #expect(difference <= 1)
    }

    @Test func greyConversionMatchesPillow() throws {
        #expect(Self.maximumDifference(try Self.fixture("coffee").grey(), try Self.fixture("coffee_grey")) == 0)
    }

    @Test func centerCropMatchesTorchvision() throws {
        let cropped = try Self.fixture("coffee").centerCropped(width: 100, height: 77)
        #expect(cropped == (try Self.fixture("coffee_center_100x77")))
    }

    @Test func imageNetNormalisationMatchesTorchvision() throws {
        let tensor = try Self.fixture("coffee_down_64x48").tensor(normalization: .imageNet)
        expectClose(tensor, ImagingFixtures.expected["coffee_down_64x48/imagenet"], tolerance: 1e-5, "ToTensor+Normalize")
    }

    @Test func efficientNetLiteNormalisation() {
        let image = Image(width: 2, height: 1, channels: 1, pixels: [0, 255])
        #expect(image.tensor(normalization: .efficientNetLite).scalars == [-127.0 / 128, 1])
    }

    @Test func flipsAndChannelConversions() {
        let image = Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.flippedHorizontally().pixels == [3, 2, 1, 6, 5, 4])
        #expect(image.flippedVertically().pixels == [4, 5, 6, 1, 2, 3])
        #expect(image.rgb().channels == 3 && image.rgb().grey() == image)
    }
}
