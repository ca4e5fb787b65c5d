import LoupeImaging
import Testing

@Suite struct ColourMapTests {
    @Test func endpointsAreTheKnownColours() {
        // viridis runs from dark purple to yellow, inferno from black to pale yellow.
        #expect(ColourMap.viridis.colour(0) == (68, 1, 84))
        #expect(ColourMap.viridis.colour(1) == (253, 231, 37))
        #expect(ColourMap.inferno.colour(0) == (0, 0, 4))
        #expect(ColourMap.jet.colour(0) == (0, 0, 128) && ColourMap.jet.colour(1) == (128, 0, 0))
        #expect(ColourMap.turbo.colour(0.5).1 > 200)  // turbo's middle is green
    }

    @Test func heatMapAndOverlay() {
        let heat = Image.heatMap([0, 0.5, 1, 2], width: 2, height: 2, low: 0, high: 1, colourMap: .jet)
        #expect(heat.channels == 3 && heat[0, 1, 1] == 128)  // clamped at 1: dark red
        let grey = Image(width: 2, height: 2, channels: 1, value: 100)
        let overlay = grey.overlaid(with: heat, opacity: 0.5)
        #expect(overlay[2, 0, 0] == (100 + 128) / 2)
    }
}
