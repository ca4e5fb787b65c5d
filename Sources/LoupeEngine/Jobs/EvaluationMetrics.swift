import Foundation
import LoupeFormats

/// The metrics `loupe eval` reports (nil where the data cannot define one, e.g. no masks).
public struct EvaluationMetrics: Sendable, Codable, Equatable {
    public var imageAUROC: Double?
    public var pixelAUROC: Double?
    public var aupro: Double?
    public var pixelAveragePrecision: Double?
    /// Instance average precision and pixel precision at 90 % instance recall (paper 003).
    public var instanceAveragePrecision: Double?
    public var instancePrecisionAt90: Double?
    /// Mean IoU (defect, good) of the map thresholded at its F1-optimal pixel threshold.
    public var pixelMeanIoU: Double?
    public var imageF1Max: Double?
    public var f1Threshold: Float?
    public var images: Int
    public var defects: Int
    /// Median time to map one image at batch 1 (teacher, student, map, blur; decoding
    /// excluded), as the reference measures it.
    public var inferenceMillisecondsPerImage: Double?
    /// With a ROI run: frames where it found no part (scored whole); nil without one.
    public var framesWithoutPart: Int?

    enum CodingKeys: String, CodingKey {
        case imageAUROC = "image_auroc", pixelAUROC = "pixel_auroc", aupro = "aupro_0.3", pixelAveragePrecision = "pixel_ap"
        case instanceAveragePrecision = "iap", instancePrecisionAt90 = "iap_90", pixelMeanIoU = "pixel_miou"
        case imageF1Max = "image_f1_max", f1Threshold = "f1_threshold", images, defects
        case inferenceMillisecondsPerImage = "infer_ms_per_image", framesWithoutPart = "frames_without_part"
    }

    /// As synthesised, except that a value JSON cannot hold (NaN or infinite, from scores a
    /// diverged model made) is written as null (`JSONNumber`) instead of failing the whole file.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put<Value: BinaryFloatingPoint & Encodable & Sendable>(_ value: Value?, _ key: CodingKeys) throws { try c.encodeIfPresent(value.map(JSONNumber.init), forKey: key) }
        try put(imageAUROC, .imageAUROC)
        try put(pixelAUROC, .pixelAUROC)
        try put(aupro, .aupro)
        try put(pixelAveragePrecision, .pixelAveragePrecision)
        try put(instanceAveragePrecision, .instanceAveragePrecision)
        try put(instancePrecisionAt90, .instancePrecisionAt90)
        try put(pixelMeanIoU, .pixelMeanIoU)
        try put(imageF1Max, .imageF1Max)
        try put(f1Threshold, .f1Threshold)
        try c.encode(images, forKey: .images)
        try c.encode(defects, forKey: .defects)
        try put(inferenceMillisecondsPerImage, .inferenceMillisecondsPerImage)
        try c.encodeIfPresent(framesWithoutPart, forKey: .framesWithoutPart)
    }
}
