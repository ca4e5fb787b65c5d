import Foundation
import LoupeData
import LoupeModels

/// A run's settings as a file people edit and re-run (`config.toml`): the method and its
/// settings, the data, the teacher, the optimiser, the tiling. `loupe train` writes it
/// into every run; `loupe train --config FILE` reads it back, so
/// `loupe train --config runs/a/config.toml --run runs/b` trains run a again.
public struct RunConfigurationFile: Equatable, Sendable {
    public var configuration: TrainingConfiguration
    public var data: DatasetSource?
    /// One weights file per teacher, in `backbone`'s order (nil: the installed weights).
    public var teacherWeights: [String]?
    public var tiling: Tiling?
    public var tilesPerImage: Int?
    /// Crop frames to their part with this ROI run (`loupe roi train`) before detection.
    public var regionRun: String?
    /// The crop's margin around the part (fraction of its box; nil: the default).
    public var regionMargin: Double?

    public init(configuration: TrainingConfiguration, data: DatasetSource? = nil, teacherWeights: [String]? = nil,
                tiling: Tiling? = nil, tilesPerImage: Int? = nil) {
        self.configuration = configuration
        self.data = data
        self.teacherWeights = teacherWeights
        self.tiling = tiling
        self.tilesPerImage = tilesPerImage
    }

    static let trainingKeys = ["backbone", "image_size", "epochs", "batch_size", "learning_rate", "betas", "cosine_annealing",
                               "seed", "blur_sigma", "image_score", "textures"]

    /// The file's text; every setting of the method is written, defaults too.
    public var text: String {
        let c = configuration
        var lines = [
            "# Loupe run settings. `loupe train --config THIS_FILE --run NEW` trains the same run again;",
            "# options given on the command line override what is here.",
            "method = \(TOMLText.quoted(c.method))",
        ]
        if case let .path(path) = data { lines.append("data = \(TOMLText.quoted(path))") }
        if let regionRun {
            lines.append("roi = \(TOMLText.quoted(regionRun))")
            lines.append("roi_margin = \(regionMargin ?? RegionCropper.defaultMargin)")
        }
        if let teacherWeights {
            let quoted = teacherWeights.map(TOMLText.quoted)
            lines.append("teacher_weights = " + (quoted.count == 1 ? quoted[0] : "[" + quoted.joined(separator: ", ") + "]"))
            for (backbone, path) in zip(c.backboneNames, teacherWeights) {
                lines.append("# \(backbone): \(TeacherIdentity.describe([path]))")
            }
        }
        lines += [
            "", "[training]",
            "backbone = \(TOMLText.quoted(c.backbone))",
            "image_size = \(c.imageSize)",
            "epochs = \(c.epochs)",
            "batch_size = \(c.batchSize)",
            "learning_rate = \(c.learningRate)",
            "betas = [\(c.beta1), \(c.beta2)]",
            "cosine_annealing = \(c.cosineAnnealing)",
            "seed = \(c.seed)",
            "blur_sigma = \(c.blurSigma)",
        ]
        // Unset, the method's score applies: shown, commented, so the file states it.
        lines.append((c.imageScore == nil ? "# " : "") + "image_score = \(TOMLText.quoted(c.effectiveImageScore.name))"
                     + (c.imageScore == nil ? "   # the method's default" : ""))
        if let textures = c.textures { lines.append("textures = \(TOMLText.quoted(textures))") }
        if let method = try? MethodRegistry.method(named: c.method), !method.settings.isEmpty {
            lines += ["", "[\(c.method)]"]
            for setting in method.settings {
                lines.append("\(setting.key) = \(c.settings[setting.key] ?? setting.defaultValue)   # \(setting.help)")
            }
        }
        if c.augmentation.isActive {
            lines += ["", "[augmentation]"]
            for key in Augmentation.keys { lines.append("\(key) = \(c.augmentation[key] ?? 0)") }
        }
        if case let .folders(folders) = data {
            lines += ["", "[data_folders]", "good = \(TOMLText.quoted(folders.good))"]
            if let defect = folders.defect { lines.append("defect = \(TOMLText.quoted(defect))") }
            if let testGood = folders.testGood { lines.append("test_good = \(TOMLText.quoted(testGood))") }
            if let masks = folders.masks { lines.append("masks = \(TOMLText.quoted(masks))") }
            lines.append("mask_pattern = \(TOMLText.quoted(folders.maskPattern))")
            if let extensions = folders.extensions { lines.append("extensions = [" + extensions.map(TOMLText.quoted).joined(separator: ", ") + "]") }
        }
        if let tiling {
            lines += ["", "[tiling]", "tile = \(tiling.size)", "overlap = \(tiling.overlap)"]
            if let tilesPerImage { lines.append("tiles_per_image = \(tilesPerImage)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads and checks a settings file; every mistake names the file, line and key.
    public static func read(_ path: String) throws -> RunConfigurationFile {
        let document = try TOMLDocument(path: path)
        let namedMethod = try document.string("method")
        let methodName = namedMethod ?? "rd"
        let method: any AnomalyMethod.Type
        do {
            method = try MethodRegistry.method(named: methodName)
        } catch {
            throw document.badValue("method", value: "\"\(methodName)\"", expected: "one of \(MethodRegistry.names.joined(separator: ", "))")
        }
        try document.expectOnly(["method", "data", "teacher_weights", "roi", "roi_margin"])
        let tables = ["training", methodName, "augmentation", "tiling", "data_folders"]
        for table in document.tables where !tables.contains(table) {
            throw TOMLFileError.unknownKey(path: path, line: document.line(of: table), key: "[\(table)]", known: tables.map { "[\($0)]" })
        }
        var c = TrainingConfiguration()
        c.method = methodName
        try document.expectOnly(trainingKeys, in: "training")
        let backbone = try document.string("backbone", in: "training")
        if let backbone {
            c.backbone = backbone
            guard c.backboneNames.allSatisfy({ BackboneName(rawValue: $0) != nil }) else {
                throw document.badValue("backbone", in: "training", value: "\"\(backbone)\"",
                                        expected: "one of \(BackboneName.allCases.map(\.rawValue).joined(separator: ", ")) (two comma-separated for \(MethodRegistry.methodsTakingTwoTeachers.joined(separator: ", ")))")
            }
        }
        // Values are taken as written, then checked by the one rule set (`problem`) below.
        c.imageSize = try document.integer("image_size", in: "training") ?? c.imageSize
        c.epochs = try document.integer("epochs", in: "training") ?? c.epochs
        c.batchSize = try document.integer("batch_size", in: "training") ?? c.batchSize
        if let rate = try document.number("learning_rate", in: "training") { c.learningRate = Float(rate) }
        if let betas = try document.numbers("betas", in: "training", count: 2) { (c.beta1, c.beta2) = (Float(betas[0]), Float(betas[1])) }
        c.cosineAnnealing = try document.bool("cosine_annealing", in: "training") ?? c.cosineAnnealing
        c.textures = try document.string("textures", in: "training")
        if let seed = try document.integer("seed", in: "training") {
            guard seed >= 0 else { throw document.badValue("seed", in: "training", value: "\(seed)", expected: "a whole number from 0") }
            c.seed = UInt64(seed)
        }
        c.blurSigma = try document.number("blur_sigma", in: "training") ?? c.blurSigma
        if let problem = c.problem {
            throw document.badValue(problem.key, in: "training", value: problem.value, expected: problem.expected)
        }
        if let score = try document.string("image_score", in: "training") {
            guard let parsed = ImageScore(name: score) else {
                throw document.badValue("image_score", in: "training", value: "\"\(score)\"", expected: "\"max\" or \"top-K-mean\" (K from 1)")
            }
            c.imageScore = parsed
        }
        try document.expectOnly(method.settings.map(\.key), in: methodName)
        for key in document.keys(in: methodName) {
            guard let value = try document.setting(key, in: methodName) else { continue }
            do {
                c.settings[key] = try MethodRegistry.validated([key: value], for: method)[key]
            } catch let error as MethodError {
                throw document.badValue(key, in: methodName, value: value.description, expected: error.expectation)
            }
        }
        try document.expectOnly(Augmentation.keys, in: "augmentation")
        for key in Augmentation.keys {
            guard let value = try document.number(key, in: "augmentation") else { continue }
            let range = Augmentation.range(of: key)
            guard range.contains(Float(value)) else {
                throw document.badValue(key, in: "augmentation", value: "\(value)", expected: "\(range.lowerBound) to \(range.upperBound)")
            }
            c.augmentation[key] = Float(value)
        }
        // As many teachers as the method distils from (checked once its settings are read); a
        // file without a method (`compare`'s shared settings) leaves that to the method given with it.
        if let backbone, namedMethod != nil, case let .failure(error) = Result(catching: { try MethodRegistry.teachers(for: c) }),
           let expected = (error as? TeacherError)?.expectation {
            throw document.badValue("backbone", in: "training", value: "\"\(backbone)\"", expected: expected)
        }
        var file = RunConfigurationFile(configuration: c, data: try document.string("data").map(DatasetSource.path),
                                        teacherWeights: try document.strings("teacher_weights"))
        try document.expectOnly(["good", "defect", "test_good", "masks", "mask_pattern", "extensions"], in: "data_folders")
        if document.tables.contains("data_folders") {
            guard let good = try document.string("good", in: "data_folders") else {
                throw document.badValue("good", in: "data_folders", value: "missing", expected: "the folder of good images")
            }
            guard file.data == nil else {
                throw document.badValue("data", value: "given beside [data_folders]", expected: "one of data or [data_folders], not both")
            }
            var folders = PlainFolders(good: good, defect: try document.string("defect", in: "data_folders"),
                                       testGood: try document.string("test_good", in: "data_folders"),
                                       masks: try document.string("masks", in: "data_folders"),
                                       maskPattern: try document.string("mask_pattern", in: "data_folders") ?? PlainFolders.defaultMaskPattern)
            folders.extensions = try document.strings("extensions", in: "data_folders")
            file.data = .folders(folders)
        }
        try document.expectOnly(["tile", "overlap", "tiles_per_image"], in: "tiling")
        if let tile = try document.integer("tile", in: "tiling") {
            let tiling = Tiling(size: tile, overlap: try document.integer("overlap", in: "tiling") ?? 32)
            if let problem = tiling.problem { throw document.badValue("tile", in: "tiling", value: "\(tile)", expected: "settings that tile (\(problem))") }
            file.tiling = tiling
            file.configuration.imageSize = tile
            if let count = try document.integer("tiles_per_image", in: "tiling") {
                guard count > 0 else { throw document.badValue("tiles_per_image", in: "tiling", value: "\(count)", expected: "a positive whole number") }
                file.tilesPerImage = count
            }
        }
        file.regionRun = try document.string("roi")
        if let margin = try document.number("roi_margin") {
            guard (0...2).contains(margin) else { throw document.badValue("roi_margin", value: "\(margin)", expected: "0 to 2 (a fraction of the part's box)") }
            file.regionMargin = margin
        }
        return file
    }
}

extension ImageScore {
    /// "max" or "top-K-mean", as config files and the command line write it.
    public var name: String {
        switch self {
        case .maximum: return "max"
        case let .topMean(k): return "top-\(k)-mean"
        }
    }

    public init?(name: String) {
        if name == "max" { self = .maximum; return }
        guard name.hasPrefix("top-"), name.hasSuffix("-mean"), let k = Int(name.dropFirst(4).dropLast(5)), k >= 1 else { return nil }
        self = .topMean(k)
    }
}

/// TOML string quoting (basic strings: backslash, quote and control characters escaped).
enum TOMLText {
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
