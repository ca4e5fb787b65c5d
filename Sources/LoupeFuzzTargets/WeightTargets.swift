import Foundation
import LoupeFormats
import LoupeModels

extension FuzzTarget {
    /// safetensors bytes (checkpoints, feature-store entries, weights).
    static let safeTensors = FuzzTarget(name: "safetensors", reads: "safetensors files") { bytes in
        _ = try? SafeTensors(decoding: Data(bytes))
    }

    /// PyTorch `.pth` files (the zip layout and the legacy pickle) and safetensors, as
    /// `--weights` reads them: tensors or a `WeightsError`, never code run from the pickle.
    static let torchWeights = FuzzTarget(name: "torch-weights", reads: "PyTorch .pth (zip and legacy) and safetensors weights") { bytes in
        _ = try? WeightFile.decode(Data(bytes), source: "weights.pth")
    }

    /// Pickles built from the input by `PickleProgram` (memo cycles, deep nesting, shared
    /// values, huge counts), in the zip torch writes: the structures a byte mutator rarely
    /// reaches through the zip's CRC.
    static let pickles = FuzzTarget(name: "pickles", reads: "pickle structures (structure-aware generator) in a .pth zip") { bytes in
        let pickle = PickleProgram(bytes).pickle
        _ = try? WeightFile.decode(Data(PickleProgram.storedZip(["archive/data.pkl": pickle])), source: "generated.pth")
    }
}
