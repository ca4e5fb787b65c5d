import Foundation
import LoupeData
import LoupeImaging
import LoupeTensor

/// Decode + resize + normalise throughput, side by side with PIL + torchvision
/// (scripts/imaging-peer.py) on the same files in the same run.
enum ImagingBenchmark {
    struct Case {
        let name: String
        let folder: String
        let size: Int
    }

    static func run(repository: String, repeats: Int, comparePeer: Bool) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bench-images-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            var cases = [
                Case(name: "png_256_rgb_to_224", folder: try makePhotoCrops(repository: repository, into: scratch + "/256"), size: 224),
                Case(name: "png_640_grey_to_256", folder: repository + "/samples/pcb/train/good", size: 256),
            ]
            // JPEG inputs come from Pillow (Loupe writes no JPEG); without Python the rows are left out.
            if PythonPeer.jsonLines(repository + "/scripts/imaging-peer.py", ["--write-jpegs", scratch]) != nil {
                cases += [
                    Case(name: "jpeg_640_rgb_to_256", folder: scratch + "/jpeg-640", size: 256),
                    Case(name: "jpeg_2048_rgb_to_256", folder: scratch + "/jpeg-2048", size: 256),
                ]
            } else {
                print("(JPEG rows left out: writing their inputs needs /usr/bin/python3 with Pillow)")
            }
            print("")
            print("image loading (decode, RGB, resize, normalise, batches of 8, 2 cores):")
            print("case".padded(to: 28) + "     loupe img/s   PIL+torchvision img/s   ratio")
            for item in cases {
                let ours = try measure(item, repeats: repeats)
                let theirs = comparePeer ? peer(item, repository: repository, repeats: repeats) : nil
                let ratio = theirs.map { String(format: "%7.2fx", ours / $0) } ?? "      —"
                print(item.name.padded(to: 28) + String(format: "%14.1f", ours) + (theirs.map { String(format: "%24.1f", $0) } ?? "                       —") + "  " + ratio)
            }
        } catch {
            print("imaging benchmark failed: \(error)")
        }
    }

    /// 64 RGB 256×256 crops whose channels are three real CC0 textures.
    static func makePhotoCrops(repository: String, into folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let textures = try ["brick", "grass", "gravel"].map { try ImageFile.read(repository + "/textures/\($0).png") }
        for index in 0..<64 {
            let x = (index * 37) % 256, y = (index * 53) % 256
            let planes = textures.map { $0.cropped(x: x, y: y, width: 256, height: 256).pixels }
            try PNG.write(Image(width: 256, height: 256, channels: 3, pixels: planes.flatMap { $0 }), to: folder + String(format: "/%03d.png", index))
        }
        return folder
    }

    /// Images per second through the prefetching loader (median of `repeats` passes).
    static func measure(_ item: Case, repeats: Int) throws -> Double {
        let files = Dataset.listImages(item.folder)
        var rates: [Double] = []
        for pass in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let loader = PrefetchingLoader(count: files.count, prefetch: 8) { index in
                // Resizing before replicating grey to RGB gives the same result for a third of the work.
                try ImageFile.read(files[index], resizedTo: item.size, item.size).rgb().tensor(normalization: .imageNet)
            }
            var batch: [Tensor] = []
            for result in loader {
                batch.append(try result.get())
                if batch.count == 8 { _ = Tensor.concatenate(batch, alongAxis: 0); batch = [] }
            }
            if !batch.isEmpty { _ = Tensor.concatenate(batch, alongAxis: 0) }
            if pass > 0 { rates.append(Double(files.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
        }
        return rates.sorted()[rates.count / 2]
    }

    static func peer(_ item: Case, repository: String, repeats: Int) -> Double? {
        PythonPeer.jsonLines(repository + "/scripts/imaging-peer.py", ["--folder", item.folder, "--size", "\(item.size)",
                                                                       "--repeats", "\(repeats)", "--name", item.name])?
            .first?["images_per_s"] as? Double
    }
}
