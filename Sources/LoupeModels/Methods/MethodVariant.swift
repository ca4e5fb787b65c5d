/// A run's method and the settings it changed from the method's defaults, in the form
/// `make accept` and `loupe compare` take (`stu-seg:no-segmentation`, `rd-mff:no-transformer+heads=2`):
/// two runs of one method with different options read differently in a table.
extension TrainingConfiguration {
    public var variant: String {
        guard let method = try? MethodRegistry.method(named: self.method) else { return self.method }
        let changed = method.settings.compactMap { setting -> String? in
            guard let value = settings[setting.key], value != setting.defaultValue else { return nil }
            let option = setting.option
            switch value {
            case let .bool(on): return on ? option : "no-" + option
            default: return option + "=" + value.description
            }
        }
        return changed.isEmpty ? method.name : method.name + ":" + changed.joined(separator: "+")
    }
}
