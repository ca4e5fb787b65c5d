import Foundation
import LoupeImaging

/// KolektorSDD as published: one folder per part (`kos01` … `kos50`), each holding its
/// images `PartN.jpg` beside their masks `PartN_label.bmp`. Which images are defective comes
/// from the masks (a mask with any defect pixel); the good images train but every fifth,
/// which tests beside the defective ones, so image metrics have both classes.
enum KolektorLayout {
    static let maskSuffix = "_label"
    /// One good image in this many is held out for testing.
    static let heldOutEvery = 5

    /// A folder whose part folders hold `*_label.*` masks beside images.
    static func isKolektor(_ root: String) -> Bool {
        Dataset.listFolders(root).contains { part in
            ImageListing(folder: root + "/" + part).images.contains { $0.fileStem.hasSuffix(maskSuffix) }
        }
    }
}

extension Dataset {
    /// Reads KolektorSDD under `root` (`KolektorLayout`); the masks are decoded to tell good
    /// parts from defective ones.
    static func kolektor(root: String) throws -> Dataset {
        var samples: [Sample] = [], skipped: [SkippedFile] = []
        var masksBeside = 0, goodCount = 0
        for part in listFolders(root) {
            let listing = ImageListing(folder: root + "/" + part)
            skipped += listing.skipped
            let masks = Dictionary(listing.images.filter { $0.fileStem.hasSuffix(KolektorLayout.maskSuffix) }.map { ($0.fileStem, $0) },
                                   uniquingKeysWith: { a, _ in a })
            masksBeside += masks.count
            for image in listing.images where !image.fileStem.hasSuffix(KolektorLayout.maskSuffix) {
                let mask = masks[image.fileStem + KolektorLayout.maskSuffix]
                if let mask, try ImageFile.read(mask).pixels.contains(where: { $0 > 0 }) {
                    samples.append(Sample(path: image, split: .test, kind: "defect", maskPath: mask))
                } else {
                    goodCount += 1
                    let split: Sample.Split = goodCount % KolektorLayout.heldOutEvery == 0 ? .test : .train
                    samples.append(Sample(path: image, split: split, kind: goodKind))
                }
            }
        }
        guard !samples.isEmpty else { throw DatasetError.noImages(path: root, role: "KolektorSDD") }
        return Dataset(root: root, layout: .kolektor, source: .path(root), samples: samples, skipped: skipped, masksBesideImages: masksBeside)
    }
}
