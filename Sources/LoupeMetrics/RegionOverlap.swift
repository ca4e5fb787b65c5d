import LoupeTensor
/// MVTec AD's per-region overlap (PRO) curve and its normalised area up to a false-positive
/// rate (AUPRO): each 8-connected defect region counts equally, however large.
public enum RegionOverlap {
    /// One image's ground truth and anomaly map, row-major, the same size.
    public struct Image: Sendable {
        public let width: Int, height: Int
        public let mask: [Bool]
        public let map: [Float]

        public init(width: Int, height: Int, mask: [Bool], map: [Float]) {
            invariant(mask.count == width * height && map.count == width * height,
                         "RegionOverlap.Image: \(width)x\(height) needs \(width * height) mask and map values, got \(mask.count) and \(map.count)")
            self.width = width; self.height = height; self.mask = mask; self.map = map
        }
    }

    /// ∫₀^maxFPR PRO d(FPR) / maxFPR (trapezoid, the curve interpolated at maxFPR), FPR over
    /// all defect-free pixels and PRO averaged over all regions of all images. nil without
    /// regions or without defect-free pixels.
    public static func aupro(_ images: [Image], maximumFalsePositiveRate maxFPR: Double = 0.3) -> Double? {
        var regionWeights: [Double] = []
        var scores: [Float] = []
        var regionCount = 0
        var goodCount = 0
        for image in images {
            let (labels, count) = ConnectedComponents.label(image.mask, width: image.width, height: image.height)
            var areas = [Int](repeating: 0, count: count + 1)
            for label in labels { areas[label] += 1 }
            for (label, score) in zip(labels, image.map) {
                scores.append(score)
                // Negative weight marks a defect-free pixel.
                regionWeights.append(label == 0 ? -1 : 1 / Double(areas[label]))
            }
            regionCount += count
            goodCount += labels.filter { $0 == 0 }.count
        }
        guard regionCount > 0, goodCount > 0 else { return nil }
        var falsePositiveRates: [Double] = [0], overlaps: [Double] = [0]
        var falsePositives = 0, overlap = 0.0
        RankedScores(scores).forEachThreshold { _, group in
            for index in group {
                if regionWeights[index] < 0 { falsePositives += 1 } else { overlap += regionWeights[index] }
            }
            falsePositiveRates.append(min(Double(falsePositives) / Double(goodCount), 1))
            overlaps.append(min(overlap / Double(regionCount), 1))
        }
        var area = 0.0
        for k in 1..<falsePositiveRates.count {
            let (x0, x1, y0, y1) = (falsePositiveRates[k - 1], falsePositiveRates[k], overlaps[k - 1], overlaps[k])
            if x1 <= maxFPR {
                area += (x1 - x0) * (y0 + y1) / 2
            } else {
                if x0 < maxFPR {
                    let y = y0 + (y1 - y0) * (maxFPR - x0) / (x1 - x0)
                    area += (maxFPR - x0) * (y0 + y) / 2
                }
                break
            }
        }
        return area / maxFPR
    }
}

/// 8-connected component labelling of a binary mask.
public enum ConnectedComponents {
    /// A label per pixel (0 background, 1…count regions) and the region count.
    public static func label(_ mask: [Bool], width: Int, height: Int) -> (labels: [Int], count: Int) {
        var labels = [Int](repeating: 0, count: mask.count)
        var count = 0
        var stack: [Int] = []
        for start in mask.indices where mask[start] && labels[start] == 0 {
            count += 1
            labels[start] = count
            stack.append(start)
            while let pixel = stack.popLast() {
                let (x, y) = (pixel % width, pixel / width)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (nx, ny) = (x + dx, y + dy)
                        guard nx >= 0, ny >= 0, nx < width, ny < height else { continue }
                        let neighbour = ny * width + nx
                        if mask[neighbour] && labels[neighbour] == 0 {
                            labels[neighbour] = count
                            stack.append(neighbour)
                        }
                    }
                }
            }
        }
        return (labels, count)
    }
}
