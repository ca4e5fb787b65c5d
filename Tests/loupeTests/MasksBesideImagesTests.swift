import Foundation
import LoupeImaging
import Testing

/// A data set as many are published: each photo `NAME.jpg` beside its mask `NAME.png` in one
/// folder, good parts with an all-black mask beside each photo too. The masks are masks,
/// never training images, and `data check` says how it paired them.
@Suite struct MasksBesideImagesTests {
    @Test func photosAndMasksInOneFolderArePaired() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default, fixture = Loupe.repository.path + "/" + HeadlessFlowTests.jpegData
        for kind in ["good", "defect"] { try files.createDirectory(atPath: folder + "/" + kind, withIntermediateDirectories: true) }
        let good = try files.contentsOfDirectory(atPath: fixture + "/good").filter { $0.hasSuffix(".jpg") }.sorted().prefix(8)
        for name in good {
            try files.copyItem(atPath: fixture + "/good/" + name, toPath: folder + "/good/" + name)
            let photo = try ImageFile.read(fixture + "/good/" + name)
            try PNG.write(Image(width: photo.width, height: photo.height, channels: 1), to: folder + "/good/" + name.replacingOccurrences(of: ".jpg", with: ".png"))
        }
        let defects = try files.contentsOfDirectory(atPath: fixture + "/defect").filter { $0.hasSuffix(".jpg") }.sorted()
        for name in defects {
            try files.copyItem(atPath: fixture + "/defect/" + name, toPath: folder + "/defect/" + name)
            let mask = try ImageFile.read(fixture + "/masks/" + name.replacingOccurrences(of: ".jpg", with: ".bmp"))
            try PNG.write(mask, to: folder + "/defect/" + name.replacingOccurrences(of: ".jpg", with: ".png"))
        }
        let data = ["--good", folder + "/good", "--defect", folder + "/defect", "--masks", folder + "/defect", "--mask-pattern", "{stem}.png"]
        let check = try Loupe.run(["data", "check"] + data)
        #expect(check.status == 0, "\(check.error)")
        for text in ["train  good                      8      0", "test   defect                   \(defects.count)     \(defects.count)",
                     "pairing: \(8 + defects.count) images, \(8 + defects.count) masks beside them", "ok: usable"] {
            #expect(check.output.contains(text), "data check lacks '\(text)':\n\(check.output)")
        }
        #expect(!check.output.contains("masks without images"), "\(check.output)")

        guard Loupe.weightsAvailable else { return }
        let train = try Loupe.run(["train"] + data + ["--run", folder + "/run", "--epochs", "1", "--size", "64", "--no-feature-cache", "--json"])
        #expect(train.status == 0, "\(train.error)")
        let evaluation = try Loupe.run(["eval", "--run", folder + "/run", "--json"])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.output.utf8)) as? [String: Any])
        #expect(metrics["images"] as? Int == defects.count && metrics["defects"] as? Int == defects.count && metrics["pixel_auroc"] != nil)
    }
}

/// Black-and-white masks left among the good images (no pattern pairs them): `data check`
/// names them and is not "ok"; `--extensions .jpg` leaves them out, and the run keeps it.
@Suite struct MaskLikeTrainingImageTests {
    @Test func masksAmongGoodImagesAreNamedAndExtensionsLeaveThemOut() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default, fixture = Loupe.repository.path + "/" + HeadlessFlowTests.jpegData
        try files.createDirectory(atPath: folder + "/good", withIntermediateDirectories: true)
        for name in try files.contentsOfDirectory(atPath: fixture + "/good").filter({ $0.hasSuffix(".jpg") }).sorted().prefix(4) {
            try files.copyItem(atPath: fixture + "/good/" + name, toPath: folder + "/good/" + name)
            let photo = try ImageFile.read(fixture + "/good/" + name)
            try PNG.write(Image(width: photo.width, height: photo.height, channels: 1), to: folder + "/good/" + name.replacingOccurrences(of: ".jpg", with: "_gt.png"))
        }
        let check = try Loupe.run(["data", "check", "--good", folder + "/good"])
        #expect(check.status == 1)
        #expect(check.output.contains("training images that look like masks") && check.output.contains("_gt.png")
                && check.output.contains("problems found"), "\(check.output)")
        let only = try Loupe.run(["data", "check", "--good", folder + "/good", "--extensions", ".jpg"])
        #expect(only.status == 0 && only.output.contains("train  good                      4      0") && only.output.contains("ok: usable"), "\(only.output)")
        #expect(only.output.contains("not among --extensions .jpg"), "the left-out files are named: \(only.output)")
    }
}
