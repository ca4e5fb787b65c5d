import LoupeTensor

/// A batch's N×H×W anomaly maps (shown, saved and measured pixel by pixel) and, when a
/// method takes an image's score from another map, that map (nil: the anomaly maps).
public struct ScoringMaps {
    public let anomaly: Tensor
    public let imageScoring: Tensor?

    public init(anomaly: Tensor, imageScoring: Tensor? = nil) {
        self.anomaly = anomaly
        self.imageScoring = imageScoring
    }
}
