/// Every method Loupe can train, by name: the one place a method is listed.
public enum MethodRegistry {
    public static let methods: [any AnomalyMethod.Type] = [ReverseDistillation.self, MultiScaleFusion.self, SyntheticContrastiveDistillation.self, PFADSeg.self, SelectiveFusionSegmentation.self]

    public static var names: [String] { methods.map { $0.name } }

    /// The method called `name`.
    public static func method(named name: String) throws -> any AnomalyMethod.Type {
        guard let method = methods.first(where: { $0.name == name }) else { throw MethodError.unknownMethod(name: name, known: names) }
        return method
    }

    /// `settings` checked against the method's: every key known, every value of the right
    /// type and in range.
    public static func validated(_ settings: [String: SettingValue], for method: any AnomalyMethod.Type) throws -> [String: SettingValue] {
        var checked: [String: SettingValue] = [:]
        for (key, value) in settings {
            guard let setting = method.settings.first(where: { $0.key == key }) else {
                throw MethodError.unknownSetting(method: method.name, key: key, known: method.settings.map(\.key))
            }
            checked[key] = try setting.accept(value).get()
        }
        return checked
    }

    /// The network a configuration describes, for a teacher with `teacherChannels`.
    public static func makeModel(for configuration: TrainingConfiguration, backbone: BackboneName, teacherChannels: [Int]) throws -> any DistillationModel {
        let method = try method(named: configuration.method)
        var checked = configuration
        checked.settings = try validated(configuration.settings, for: method)
        return method.makeModel(backbone: backbone, teacherChannels: teacherChannels, configuration: checked)
    }
}
