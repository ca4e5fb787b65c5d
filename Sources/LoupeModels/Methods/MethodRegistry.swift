/// Every method Loupe can train, by name: the one place a method is listed.
public enum MethodRegistry {
    public static let methods: [any AnomalyMethod.Type] = [RD.self, RDMFF.self, SACD.self, PFADSeg.self, StuSeg.self,
                                                         RDDual.self]

    public static var names: [String] { methods.map { $0.name } }

    /// The methods that can distil from two teachers at once (with their default settings).
    public static var methodsTakingTwoTeachers: [String] {
        var names: [String] = []
        for method in methods {
            var configuration = TrainingConfiguration()
            configuration.method = method.name
            if method.teacherCounts(for: configuration).contains(2) { names.append(method.name) }
        }
        return names
    }

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

    /// The network a configuration describes, for `teacher`.
    public static func makeModel(for configuration: TrainingConfiguration, teacher: TeacherLayout) throws -> any DistillationModel {
        let method = try method(named: configuration.method)
        var checked = configuration
        checked.settings = try validated(configuration.settings, for: method)
        return method.makeModel(teacher: teacher, configuration: checked)
    }

    /// The backbones a configuration distils from (`backbone`, comma-separated), checked
    /// against the catalogue and the number its method takes.
    public static func teachers(for configuration: TrainingConfiguration) throws -> [BackboneName] {
        let method = try method(named: configuration.method)
        let names = configuration.backboneNames
        let backbones = try names.map { name in
            guard let backbone = BackboneName(rawValue: name) else { throw TeacherError.unknownBackbone(name: name) }
            return backbone
        }
        var checked = configuration
        checked.settings = try validated(configuration.settings, for: method)
        let expected = method.teacherCounts(for: checked)
        guard expected.contains(backbones.count) else { throw TeacherError.wrongCount(method: method.name, expected: expected, given: names) }
        return backbones
    }

    /// A configuration's teachers, pretrained: from `weights` (one per teacher), else each
    /// one's installed weights.
    public static func teacher(for configuration: TrainingConfiguration, weights: [String]?) throws -> Teacher {
        try Teacher.pretrained(teachers(for: configuration), weights: weights)
    }
}
