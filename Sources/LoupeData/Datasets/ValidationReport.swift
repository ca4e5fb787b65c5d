import Foundation
import LoupeImaging
import LoupeTensor

/// What `loupe data check` finds in a data set: counts, sizes and every file it cannot use.
public struct ValidationReport: Sendable {
    public struct Group: Sendable, Equatable {
        public let split: Sample.Split
        public let kind: String
        public var count: Int
        public var withMask: Int

        public init(split: Sample.Split, kind: String, count: Int, withMask: Int) {
            self.split = split
            self.kind = kind
            self.count = count
            self.withMask = withMask
        }
    }

    public var layout: DatasetLayout
    public var groups: [Group] = []
    /// How many images and masks each file format has ("JPEG" → 120).
    public var imageFormats: [String: Int] = [:]
    public var maskFormats: [String: Int] = [:]
    /// Files in the data set's folders that are not images, with why.
    public var skipped: [SkippedFile] = []
    /// Distinct image sizes ("640x640 grey") with how many images have each.
    public var sizes: [String: Int] = [:]
    /// Masks that lay beside their images in an image folder (left out of the images).
    public var masksBesideImages = 0
    /// Test defect images that have no mask (pixel metrics cannot use them).
    public var imagesWithoutMasks: [String] = []
    public var masksWithoutImages: [String] = []
    /// Files that do not decode, with the reason.
    public var unreadable: [(path: String, reason: String)] = []
    /// Masks whose size differs from their image.
    public var mismatchedMasks: [String] = []

    /// True when training can start: training images exist and all decode.
    public var isUsable: Bool { groups.contains { $0.split == .train && $0.count > 0 } && unreadable.isEmpty && maskLikeTrainingImages.isEmpty }
    /// Training images that look like masks: one channel, every pixel black or white, named
    /// like a mask or like another image of the set. Training would learn them as good parts.
    public var maskLikeTrainingImages: [String] = []

    /// Decodes every image and mask (in parallel) and collects the report.
    public init(dataset: Dataset, progress: ((Int, Int) -> Void)? = nil) {
        layout = dataset.layout
        skipped = dataset.skipped
        var groups: [String: Group] = [:]
        for sample in dataset.samples {
            let key = "\(sample.split.rawValue)/\(sample.kind)"
            var group = groups[key] ?? Group(split: sample.split, kind: sample.kind, count: 0, withMask: 0)
            group.count += 1
            if sample.maskPath != nil { group.withMask += 1 }
            groups[key] = group
            if sample.split == .test && !sample.isGood && sample.maskPath == nil { imagesWithoutMasks.append(sample.path) }
        }
        self.groups = groups.values.sorted { ($0.split.rawValue, $0.kind) < ($1.split.rawValue, $1.kind) }
        masksWithoutImages = dataset.orphanMasks
        masksBesideImages = dataset.masksBesideImages

        let samples = dataset.samples
        let lock = NSLock()
        var done = 0
        var sizes: [String: Int] = [:]
        var unreadable: [(String, String)] = []
        var mismatched: [String] = []
        var imageFormats: [String: Int] = [:], maskFormats: [String: Int] = [:]
        var maskLike: [String] = []
        let stems = Dictionary(grouping: samples.map(\.path), by: \.fileStem).filter { $0.value.count > 1 }
        Parallel.forEach(samples.count) { index in
            let sample = samples[index]
            var size: String?
            var problems: [(String, String)] = []
            var mismatch: String?
            do {
                let image = try ImageFile.read(sample.path)
                size = "\(image.width)x\(image.height) \(image.channels == 1 ? "grey" : image.channels == 3 ? "RGB" : "\(image.channels)-channel")"
                if sample.split == .train, Self.looksLikeMask(image, path: sample.path, sharesStem: stems[sample.path.fileStem] != nil) {
                    lock.withLock { maskLike.append(sample.path) }
                }
                if let maskPath = sample.maskPath {
                    do {
                        let mask = try MaskFile.dimensions(maskPath)
                        _ = try MaskFile.read(maskPath, width: 1, height: 1)  // every file decodes
                        if mask.width != image.width || mask.height != image.height { mismatch = maskPath }
                    } catch {
                        problems.append((maskPath, "\(error)"))
                    }
                }
            } catch {
                problems.append((sample.path, "\(error)"))
            }
            lock.lock()
            if let size { sizes[size, default: 0] += 1 }
            unreadable += problems
            if let mismatch { mismatched.append(mismatch) }
            if let format = ImageFile.sniff(sample.path) { imageFormats[format.name, default: 0] += 1 }
            if let mask = sample.maskPath.flatMap({ MaskFile.files($0).first }), let format = ImageFile.sniff(mask) { maskFormats[format.name, default: 0] += 1 }
            done += 1
            let finished = done
            lock.unlock()
            progress?(finished, samples.count)
        }
        self.sizes = sizes
        maskLikeTrainingImages = maskLike.sorted()
        self.imageFormats = imageFormats
        self.maskFormats = maskFormats
        self.unreadable = unreadable.sorted { $0.0 < $1.0 }.map { (path: $0.0, reason: $0.1) }
        mismatchedMasks = mismatched.sorted()
    }

    /// The report as a user reads it.
    public var text: String { text(verbose: false) }

    /// The report; `verbose` lists every distinct image size instead of a summary.
    public func text(verbose: Bool) -> String {
        var lines = ["layout: \(layout.rawValue)", "split  kind                 images  masks"]
        for group in groups {
            lines.append("\(group.split.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(group.kind.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6d", group.count))  \(String(format: "%5d", group.withMask))")
        }
        if masksBesideImages > 0 {
            let images = groups.reduce(0) { $0 + $1.count }
            lines.append("pairing: \(images) images, \(masksBesideImages) masks beside them (named by the mask pattern; not trained on as images)")
        }
        lines.append(sizeSummary(verbose: verbose))
        func counts(_ formats: [String: Int]) -> String {
            formats.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        lines.append("formats: images " + counts(imageFormats) + (maskFormats.isEmpty ? "" : "; masks " + counts(maskFormats)))
        func section(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("\(title) (\(items.count)):")
            lines += items.prefix(20).map { "  \($0)" }
            if items.count > 20 { lines.append("  … \(items.count - 20) more") }
        }
        section("defect images without masks", imagesWithoutMasks)
        section("masks without images", masksWithoutImages)
        section("masks whose size differs from their image", mismatchedMasks)
        if !maskLikeTrainingImages.isEmpty {
            section("training images that look like masks (one channel, only black and white; pair them with --masks and "
                    + "--mask-pattern, or leave them out with --extensions)", maskLikeTrainingImages)
        }
        section("unreadable files", unreadable.map { $0.reason })
        section("skipped files (not images Loupe reads)", skipped.map { "\($0.path): \($0.reason)" })
        if !groups.contains(where: { $0.split == .train && $0.count > 0 }) { lines.append("no training images: training cannot start") }
        lines.append(isUsable ? "ok: usable for training" : "problems found: fix the files above")
        return lines.joined(separator: "\n")
    }

    /// One channel, every pixel 0 or full scale, and named like a mask (`_mask`, `_label`,
    /// `_gt`) or like another image of the set (`NAME.png` beside `NAME.jpg`).
    static func looksLikeMask(_ image: Image, path: String, sharesStem: Bool) -> Bool {
        guard image.channels == 1 else { return false }
        let stem = path.fileStem.lowercased()
        guard sharesStem || ["_mask", "_label", "_gt", "-mask", "-label"].contains(where: stem.hasSuffix) else { return false }
        return image.pixels.allSatisfy { $0 == 0 || $0 == 255 }
    }

    /// Image sizes on one short line: all of them when few, else how many, the smallest and
    /// largest, and the three most common (`verbose`: every one).
    func sizeSummary(verbose: Bool) -> String {
        let common = sizes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        guard !verbose, common.count > 3 else { return "sizes: " + common.map { "\($0.key) (\($0.value))" }.joined(separator: ", ") }
        func pixels(_ size: String) -> Int {
            let sides = size.split(separator: " ").first?.split(separator: "x").compactMap { Int($0) } ?? []
            return sides.count == 2 ? sides[0] * sides[1] : 0
        }
        let byArea = sizes.keys.sorted { (pixels($0), $0) < (pixels($1), $1) }
        return "sizes: \(common.count) distinct, smallest \(byArea.first ?? ""), largest \(byArea.last ?? ""); most common "
            + common.prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ") + " (--verbose lists all)"
    }
}
