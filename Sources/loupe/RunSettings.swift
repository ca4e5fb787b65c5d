import ArgumentParser
import Foundation
import LoupeEngine
import LoupeModels

extension RunConfigurationFile {
    /// These settings (defaults, a --config file or a resumed run's) with the training, tiling
    /// and data options given on the command line: what `train` and each run of `compare`
    /// train with, checked by the rules config.toml follows and refused by option name.
    /// `checksTeachers`: false for settings with no method yet (`compare`'s shared ones: each
    /// variant checks its teachers against its own method).
    mutating func apply(training: TrainingOptions, choice: MethodChoiceOptions, tiling: TilingOptions, data: DataOptions,
                        startedFromFile: Bool, checksTeachers: Bool = true) throws {
        var c = try training.apply(to: configuration, choice: choice, startedFromFile: startedFromFile, checksTeachers: checksTeachers)
        try tiling.apply(to: &self)
        if let tiling = self.tiling { c.imageSize = tiling.size }
        // The same ranges as config.toml and --resume (`TrainingConfiguration.problem`), named
        // by the option that set the value.
        if let problem = c.problem { throw TrainingOptions.refusal(problem) }
        configuration = c
        self.data = try data.source() ?? self.data
        teacherWeights = training.weights.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? teacherWeights
        if let paths = teacherWeights {
            let count = c.backboneNames.count
            guard paths.count == count else {
                throw ValidationError("--weights: " + TeacherError.weightsDoNotMatch(backbones: c.backboneNames, weights: paths).description)
            }
            teacherWeights = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        }
    }
}
