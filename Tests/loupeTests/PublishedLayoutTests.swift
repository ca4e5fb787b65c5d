import Foundation
import LoupeData
import LoupeImaging
import Testing

/// Layouts the papers evaluate on, as published, each made small here: BTAD
/// (`NN/train/ok`, `NN/test/ok|ko`, `NN/ground_truth/ko`) and KolektorSDD (a folder per part,
/// `PartN.jpg` beside `PartN_label`, good or defective by the label). `data check`, `train`
/// and `eval` read each with the right counts.
@Suite struct PublishedLayoutTests {
    static let samples = Loupe.repository.path + "/samples/texture"
    static let jpegs = Loupe.repository.path + "/" + HeadlessFlowTests.jpegData

    static func copy(_ from: String, _ to: String) throws {
        try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    static func trainAndEvaluate(_ root: String, images: Int, defects: Int) throws {
        guard Loupe.weightsAvailable else { return }
        let run = root + "-run"
        let train = try Loupe.run(["train", "--data", root, "--run", run, "--epochs", "1", "--size", "64", "--no-feature-cache"])
        #expect(train.status == 0, "\(train.error)")
        let evaluation = try Loupe.run(["eval", "--run", run, "--json"])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.output.utf8)) as? [String: Any])
        #expect(metrics["images"] as? Int == images && metrics["defects"] as? Int == defects, "\(metrics)")
        #expect(metrics["image_auroc"] != nil && metrics["pixel_auroc"] != nil, "\(metrics)")
    }

    @Test func btadProductFolder() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = folder + "/BTAD/01"
        for index in 0..<6 { try Self.copy(String(format: "%@/train/good/%03d.png", Self.samples, index), String(format: "%@/train/ok/%04d.png", root, index)) }
        for index in 0..<2 { try Self.copy(String(format: "%@/test/good/%03d.png", Self.samples, index), String(format: "%@/test/ok/%04d.png", root, index)) }
        for index in 0..<3 {
            try Self.copy(String(format: "%@/test/hole/%03d.png", Self.samples, index), String(format: "%@/test/ko/%04d.png", root, index))
            try Self.copy(String(format: "%@/ground_truth/hole/%03d_mask.png", Self.samples, index), String(format: "%@/ground_truth/ko/%04d.png", root, index))
        }
        let check = try Loupe.run(["data", "check", root])
        #expect(check.status == 0, "\(check.error)")
        for text in ["layout: BTAD folders", "test   good                      2      0", "test   ko                        3      3",
                     "train  good                      6      0", "ok: usable"] {
            #expect(check.output.contains(text), "data check lacks '\(text)':\n\(check.output)")
        }
        try Self.trainAndEvaluate(root, images: 5, defects: 3)
    }

    @Test func kolektorPartsWithLabelsBeside() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = folder + "/KolektorSDD"
        let goodPhotos = try FileManager.default.contentsOfDirectory(atPath: Self.jpegs + "/good").filter { $0.hasSuffix(".jpg") }.sorted()
        let defectPhotos = try FileManager.default.contentsOfDirectory(atPath: Self.jpegs + "/defect").filter { $0.hasSuffix(".jpg") }.sorted()
        // Three parts of four images: ten good (black labels), two defective.
        var part = 0
        for (index, name) in goodPhotos.prefix(10).enumerated() {
            let target = String(format: "%@/kos%02d/Part%d", root, index / 4 + 1, index % 4)
            try Self.copy(Self.jpegs + "/good/" + name, target + ".jpg")
            let photo = try ImageFile.read(target + ".jpg")
            try PNG.write(Image(width: photo.width, height: photo.height, channels: 1), to: target + "_label.png")
            part = index
        }
        for (offset, name) in defectPhotos.prefix(2).enumerated() {
            let index = part + 1 + offset
            let target = String(format: "%@/kos%02d/Part%d", root, index / 4 + 1, index % 4)
            try Self.copy(Self.jpegs + "/defect/" + name, target + ".jpg")
            try PNG.write(try ImageFile.read(Self.jpegs + "/masks/" + name.replacingOccurrences(of: ".jpg", with: ".bmp")), to: target + "_label.png")
        }
        let check = try Loupe.run(["data", "check", root])
        #expect(check.status == 0, "\(check.error)")
        for text in ["layout: KolektorSDD", "train  good                      8      0", "test   good                      2      0",
                     "test   defect                    2      2", "pairing: 12 images, 12 masks beside them", "ok: usable"] {
            #expect(check.output.contains(text), "data check lacks '\(text)':\n\(check.output)")
        }
        try Self.trainAndEvaluate(root, images: 4, defects: 2)
    }

    /// MVTec AD 2: the labelled test set is `test_public/` (good, bad) with its own
    /// `ground_truth/bad/<stem>_mask.png`; `validation/good` and the unlabelled private test
    /// sets are not read as training or test images.
    @Test func mvtecAD2ObjectFolder() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = folder + "/MVTec_AD_2/sheet_metal"
        for index in 0..<6 { try Self.copy(String(format: "%@/train/good/%03d.png", Self.samples, index), String(format: "%@/train/good/%03d_regular.png", root, index)) }
        for index in 6..<8 { try Self.copy(String(format: "%@/train/good/%03d.png", Self.samples, index), String(format: "%@/validation/good/%03d_regular.png", root, index)) }
        for index in 0..<2 { try Self.copy(String(format: "%@/test/good/%03d.png", Self.samples, index), String(format: "%@/test_public/good/%03d_regular.png", root, index)) }
        for index in 2..<4 { try Self.copy(String(format: "%@/test/good/%03d.png", Self.samples, index), String(format: "%@/test_private/%03d_regular.png", root, index)) }
        for index in 0..<3 {
            try Self.copy(String(format: "%@/test/hole/%03d.png", Self.samples, index), String(format: "%@/test_public/bad/%03d_regular.png", root, index))
            try Self.copy(String(format: "%@/ground_truth/hole/%03d_mask.png", Self.samples, index),
                          String(format: "%@/test_public/ground_truth/bad/%03d_regular_mask.png", root, index))
        }
        let check = try Loupe.run(["data", "check", root])
        #expect(check.status == 0, "\(check.error)")
        for text in ["layout: MVTec AD 2 folders", "test   good                      2      0", "test   bad                       3      3",
                     "train  good                      6      0", "ok: usable"] {
            #expect(check.output.contains(text), "data check lacks '\(text)':\n\(check.output)")
        }
        #expect(!check.output.contains("ground_truth  "), "ground_truth is no defect kind:\n\(check.output)")
        try Self.trainAndEvaluate(root, images: 5, defects: 3)
    }

    /// MVTec LOCO: each defective image has a folder of masks, one per defect region
    /// (`ground_truth/<kind>/<stem>/000.png`, `001.png`); the mask is their union. Two
    /// halves of one mask in two files score exactly as the whole mask in one.
    @Test func mvtecLOCOMaskFolders() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = folder + "/MVTec_LOCO/pushpins"
        for index in 0..<6 { try Self.copy(String(format: "%@/train/good/%03d.png", Self.samples, index), String(format: "%@/train/good/%03d.png", root, index)) }
        for index in 0..<2 { try Self.copy(String(format: "%@/test/good/%03d.png", Self.samples, index), String(format: "%@/test/good/%03d.png", root, index)) }
        for (kind, source) in [("structural_anomalies", "hole"), ("logical_anomalies", "stain")] {
            for index in 0..<2 {
                try Self.copy(String(format: "%@/test/%@/%03d.png", Self.samples, source, index), String(format: "%@/test/%@/%03d.png", root, kind, index))
                // The mask split in two files: its upper rows, then its lower rows.
                let mask = try ImageFile.read(String(format: "%@/ground_truth/%@/%03d_mask.png", Self.samples, source, index)).grey()
                let half = mask.height / 2 * mask.width
                let upper = Image(width: mask.width, height: mask.height, channels: 1, pixels: mask.pixels.enumerated().map { $0.offset < half ? $0.element : 0 })
                let lower = Image(width: mask.width, height: mask.height, channels: 1, pixels: mask.pixels.enumerated().map { $0.offset >= half ? $0.element : 0 })
                let target = String(format: "%@/ground_truth/%@/%03d", root, kind, index)
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                try PNG.write(upper, to: target + "/000.png")
                try PNG.write(lower, to: target + "/001.png")
            }
        }
        let check = try Loupe.run(["data", "check", root])
        #expect(check.status == 0, "\(check.error)")
        for text in ["layout: MVTec LOCO folders", "test   logical_anomalies         2      2", "test   structural_anomalies      2      2", "ok: usable"] {
            #expect(check.output.contains(text), "data check lacks '\(text)':\n\(check.output)")
        }
        let whole = try ImageFile.read(Self.samples + "/ground_truth/hole/001_mask.png")
        let union = try MaskFile.read(root + "/ground_truth/structural_anomalies/001", width: whole.width, height: whole.height)
        #expect(union == whole.grey().pixels.map { $0 > 127 } && union.contains(true))
        try Self.trainAndEvaluate(root, images: 6, defects: 4)
    }
}
