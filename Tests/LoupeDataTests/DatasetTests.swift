import Foundation
@testable import LoupeData
import LoupeFormats
import LoupeImaging
import LoupeTensor
import Testing

/// A temporary folder tree of small PNGs, removed when the test ends.
final class TemporaryTree {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(UUID())").path

    func image(_ relative: String, width: Int = 8, height: Int = 6, value: Float = 100) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try PNG.write(Image(width: width, height: height, channels: 1, value: value), to: path)
    }

    func file(_ relative: String, _ bytes: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes.utf8).write(to: URL(fileURLWithPath: path))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

@Suite struct DatasetTests {
    func mvtecTree() throws -> TemporaryTree {
        let tree = TemporaryTree()
        for i in 0..<3 { try tree.image("train/good/\(i).png") }
        try tree.image("test/good/g0.png")
        try tree.image("test/scratch/s0.png")
        try tree.image("test/scratch/s1.png")
        try tree.image("test/hole/h0.png")
        try tree.image("ground_truth/scratch/s0_mask.png", value: 255)
        try tree.image("ground_truth/hole/h0_mask.png", width: 4, value: 255)  // wrong size
        try tree.image("ground_truth/hole/h9_mask.png", value: 255)            // no image
        try tree.file("test/scratch/broken.png", "not a png")
        return tree
    }

    @Test func readsMVTecLayoutAndPairsMasks() throws {
        let tree = try mvtecTree()
        let dataset = try Dataset.mvtec(root: tree.root)
        #expect(dataset.trainSamples.count == 3)
        #expect(dataset.testSamples.map(\.kind) == ["good", "hole", "scratch", "scratch", "scratch"])
        let s0 = try #require(dataset.samples.first { $0.stem == "s0" })
        #expect(s0.maskPath == tree.root + "/ground_truth/scratch/s0_mask.png")
        #expect(dataset.samples.first { $0.stem == "s1" }?.maskPath == nil)
        #expect(dataset.orphanMasks == [tree.root + "/ground_truth/hole/h9_mask.png"])
    }

    @Test func reportFindsEveryProblem() throws {
        let tree = try mvtecTree()
        let report = ValidationReport(dataset: try Dataset.mvtec(root: tree.root))
        #expect(report.groups.first { $0.kind == "scratch" } == .init(split: .test, kind: "scratch", count: 3, withMask: 1))
        #expect(report.imagesWithoutMasks.map { ($0 as NSString).lastPathComponent }.sorted() == ["broken.png", "s1.png"])
        #expect(report.masksWithoutImages.count == 1)
        #expect(report.mismatchedMasks == [tree.root + "/ground_truth/hole/h0_mask.png"])
        #expect(report.unreadable.count == 1 && report.unreadable[0].reason.contains("broken.png"))
        #expect(report.sizes["8x6 grey"] == 7)
        #expect(!report.isUsable)
        #expect(report.text.contains("unreadable files (1)") && report.text.contains("problems found"))
    }

    @Test func readsFolderLayoutWithMaskPattern() throws {
        let tree = TemporaryTree()
        for i in 0..<2 { try tree.image("ok/\(i).png") }
        try tree.image("ng/a.png")
        try tree.image("ng/b.png")
        try tree.image("labels/a-gt.png", value: 255)
        let dataset = try Dataset.folders(PlainFolders(good: tree.root + "/ok", defect: tree.root + "/ng", masks: tree.root + "/labels",
                                                       maskPattern: "{stem}-gt.png"))
        #expect(dataset.trainSamples.count == 2)
        #expect(dataset.testSamples.map { $0.maskPath != nil } == [true, false])
    }

    @Test func missingOrEmptyFoldersAreTypedErrors() throws {
        let tree = TemporaryTree()
        try FileManager.default.createDirectory(atPath: tree.root + "/empty", withIntermediateDirectories: true)
        #expect(throws: DatasetError.missingFolder(path: tree.root + "/nope", role: "data set")) { try Dataset.mvtec(root: tree.root + "/nope") }
        #expect(throws: DatasetError.unknownLayout(path: tree.root)) { try Dataset.mvtec(root: tree.root) }
        #expect(throws: DatasetError.unknownLayout(path: tree.root)) { try Dataset.open(tree.root) }
        #expect(throws: DatasetError.noImages(path: tree.root + "/empty", role: "good")) {
            try Dataset.folders(PlainFolders(good: tree.root + "/empty"))
        }
    }
}

/// Layouts beyond MVTec, and the files a folder holds that are not images.
@Suite struct DatasetLayoutTests {
    /// A VisA-shaped tree: two objects, JPEG frames, PNG label masks, and the split table.
    func visaTree() throws -> TemporaryTree {
        let tree = TemporaryTree()
        var rows = ["object,split,label,image,mask"]
        for object in ["candle", "pcb1"] {
            for i in 0..<3 {
                try tree.image("\(object)/Data/Images/Normal/\(i).JPG")
                rows.append("\(object),train,normal,\(object)/Data/Images/Normal/\(i).JPG,")
            }
            try tree.image("\(object)/Data/Images/Normal/9.JPG")
            rows.append("\(object),test,normal,\(object)/Data/Images/Normal/9.JPG,")
            try tree.image("\(object)/Data/Images/Anomaly/a.JPG")
            try tree.image("\(object)/Data/Masks/Anomaly/a.png", value: 1)
            rows.append("\(object),test,anomaly,\(object)/Data/Images/Anomaly/a.JPG,\(object)/Data/Masks/Anomaly/a.png")
        }
        try tree.file("split_csv/1cls.csv", rows.joined(separator: "\r\n") + "\r\n")
        return tree
    }

    @Test func readsVisAObjectFolderThroughItsSplitTable() throws {
        let tree = try visaTree()
        let dataset = try Dataset.open(tree.root + "/candle")
        #expect(dataset.layout == .splitTable && dataset.source == .path(tree.root + "/candle"))
        #expect(dataset.trainSamples.count == 3 && dataset.testSamples.count == 2)
        #expect(dataset.samples.allSatisfy { $0.path.contains("/candle/") })
        let defect = try #require(dataset.testSamples.first { !$0.isGood })
        #expect(defect.kind == "anomaly" && defect.maskPath == tree.root + "/candle/Data/Masks/Anomaly/a.png")
        #expect(dataset.trainingFolder == nil)
    }

    @Test func splitTableProblemsNameFileAndLine() throws {
        let tree = try visaTree()
        #expect(throws: DatasetError.severalObjects(path: tree.root, objects: ["candle", "pcb1"])) { try Dataset.open(tree.root) }
        #expect(throws: DatasetError.severalObjects(path: tree.root + "/split_csv/1cls.csv", objects: ["candle", "pcb1"])) {
            try Dataset.open(tree.root + "/split_csv/1cls.csv")
        }
        try tree.file("one.csv", "split,label,image\ntrain,normal,candle/Data/Images/Normal/0.JPG\nvalidation,normal,candle/Data/Images/Normal/1.JPG\n")
        #expect(throws: DatasetError.badSplitTable(path: tree.root + "/one.csv", line: 3, problem: "split 'validation' is neither train nor test")) {
            try Dataset.open(tree.root + "/one.csv")
        }
        try tree.file("gone.csv", "split,label,image\ntrain,normal,\"candle/Data/Images/Normal/0.JPG\"\ntest,anomaly,nowhere/x.jpg\n")
        #expect(throws: DatasetError.missingListedFiles(table: tree.root + "/gone.csv", first: tree.root + "/nowhere/x.jpg", count: 1)) {
            try Dataset.open(tree.root + "/gone.csv")
        }
        try tree.file("columns.csv", "name,split\n")
        #expect { try Dataset.open(tree.root + "/columns.csv") } throws: { "\($0)".contains("columns.csv:1: no 'label' column") }
    }

    @Test func csvFieldsMayBeQuoted() throws {
        #expect(try CSV.records(#"a,"b,c","say ""hi""",,e "#).first?.fields == ["a", "b,c", #"say "hi""#, "", "e "])
    }

    @Test func nonImagesAreSkippedAndNamed() throws {
        let tree = TemporaryTree()
        try tree.image("train/good/0.png")
        try tree.file("train/good/notes.gif", "GIF89a......")
        try tree.file("train/good/empty.png", "")
        try tree.file("train/good/Thumbs.db", "\u{1}\u{2}\u{3}")
        try tree.file("train/good/broken.jpg", "not really a jpeg")   // image extension: listed, fails to decode
        try tree.image("test/good/1.png")
        // A link to itself named like an image is listed (reading it fails with the reason); a
        // link loop named otherwise is skipped and named; a link to a folder above is passed
        // over; none hangs.
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/test/good/loop.png", withDestinationPath: "loop.png")
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/test/good/loop", withDestinationPath: "loop")
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/test/good/up", withDestinationPath: "..")
        try FileManager.default.createDirectory(atPath: tree.root + "/test/good/folder.png", withIntermediateDirectories: true)
        let dataset = try Dataset.open(tree.root)
        #expect(dataset.skipped.contains(SkippedFile(path: tree.root + "/test/good/loop",
                                                     reason: "a symbolic link to loop, which does not resolve (missing or a loop)")))
        #expect(dataset.testSamples.map { ($0.path as NSString).lastPathComponent } == ["1.png", "folder.png", "loop.png"])
        #expect(throws: ImageError.unreadable(path: tree.root + "/test/good/loop.png", reason: "a symbolic link to loop.png, which does not resolve (missing or a loop)")) {
            try ImageFile.read(tree.root + "/test/good/loop.png")
        }
        #expect(dataset.trainSamples.map { ($0.path as NSString).lastPathComponent } == ["0.png", "broken.jpg"])
        let trainSkipped = dataset.skipped.filter { $0.path.contains("/train/") }
        #expect(trainSkipped.map { ($0.path as NSString).lastPathComponent } == ["Thumbs.db", "empty.png", "notes.gif"])
        #expect(trainSkipped.map(\.reason) == ["unrecognised content (starts 01 02 03)", "empty file (0 bytes)", "a GIF image"])
        let report = ValidationReport(dataset: dataset)
        #expect(report.text.contains("layout: MVTec AD folders"))
        #expect(report.text.contains("skipped files (not images Loupe reads) (4):"))
        #expect(report.text.contains("notes.gif: a GIF image"))
        #expect(report.imageFormats == ["PNG": 2] && report.unreadable.map { ($0.path as NSString).lastPathComponent }.sorted() == ["broken.jpg", "folder.png", "loop.png"])
    }
}

@Suite struct PrefetchingLoaderTests {
    /// Counts items loaded but not yet consumed.
    final class Outstanding: @unchecked Sendable {
        private let lock = NSLock()
        private var current = 0, highest = 0
        func loaded() { lock.lock(); current += 1; highest = max(highest, current); lock.unlock() }
        func consumed() { lock.lock(); current -= 1; lock.unlock() }
        /// Read under the lock: a load may still be running on the loader's thread.
        var peak: Int { lock.lock(); defer { lock.unlock() }; return highest }
    }

    @Test func deliversInOrderWithBoundedLookahead() {
        let outstanding = Outstanding()
        let loader = PrefetchingLoader(count: 200, prefetch: 4) { index -> Int in
            usleep(UInt32.random(in: 0...300))  // finish out of order
            outstanding.loaded()
            return index * 10
        }
        var seen: [Int] = []
        while let result = loader.next() {
            seen.append(try! result.get())
            outstanding.consumed()
        }
        #expect(seen == (0..<200).map { $0 * 10 })
        // The loader frees a slot as `next()` hands an item over, before this loop marks it
        // consumed: the item in the caller's hands is the one allowed above `prefetch`.
        #expect(outstanding.peak <= 4 + 1)
    }

    /// Loads run at nice 19, so decoding never preempts the engine's workers mid-loop.
    @Test func loadsRunAtTheLowestPriority() {
        let loader = PrefetchingLoader(count: 6, prefetch: 3) { _ -> Int32 in
            errno = 0
            return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        }
        #expect(loader.map { try! $0.get() } == Array(repeating: 19, count: 6))
    }

    @Test func failuresArriveAsResultsInPlace() {
        struct Broken: Error {}
        let loader = PrefetchingLoader(count: 5, prefetch: 2) { index -> Int in
            if index == 2 { throw Broken() }
            return index
        }
        let results = Array(loader)
        #expect(results.count == 5)
        #expect((try? results[2].get()) == nil && (try? results[3].get()) == 3)
    }

    /// A consumer that stops at a failed item (training at a corrupt frame) drops the loader
    /// with loads in flight: it is freed, and nothing crashes.
    @Test func droppedWithLoadsInFlightIsFreed() {
        struct Broken: Error {}
        weak var dropped: PrefetchingLoader<Int>?
        do {
            let loader = PrefetchingLoader(count: 40, prefetch: 8) { index -> Int in
                if index == 1 { throw Broken() }
                usleep(2_000)
                return index
            }
            dropped = loader
            _ = loader.next()
            #expect((try? loader.next()?.get()) == nil)
        }
        usleep(100_000)
        #expect(dropped == nil)
    }

    @Test func droppingTheLoaderEarlyStopsWork() {
        let outstanding = Outstanding()
        do {
            let loader = PrefetchingLoader(count: 10_000, prefetch: 3) { index -> Int in
                outstanding.loaded()
                return index
            }
            _ = loader.next()
        }
        usleep(50_000)
        // The loader frees a slot as `next()` hands an item over, before this loop marks it
        // consumed: the item in the caller's hands is the one allowed above `prefetch`.
        #expect(outstanding.peak <= 4 + 1)
    }
}
