import ArgumentParser
import LoupeFormats
import LoupeTensor

/// `loupe weights FILE`: what a weights file holds, to check it before training with it.
struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors (name, shape, element count) and metadata in a safetensors file.",
        discussion: """
        Use it to check a checkpoint or a converted teacher before pointing `--weights` at it. \
        A damaged file is reported with the problem and the file name.

        Example:
          loupe weights runs/pcb/model.safetensors
        """
    )

    @Argument(help: "A .safetensors file.", completion: .file(extensions: ["safetensors"]))
    var file: String

    func run() throws {
        let weights = try SafeTensors(contentsOf: file)
        var total = 0
        for name in weights.tensors.keys.sorted() {
            let tensor = weights.tensors[name]!
            total += tensor.count
            print("\(name)\t\(tensor.shape.map(String.init).joined(separator: "×"))\t\(tensor.count)")
        }
        for key in weights.metadata.keys.sorted() {
            print("metadata \(key)\t\(weights.metadata[key]!)")
        }
        print("\(weights.tensors.count) tensors, \(total) values")
    }
}
