import ArgumentParser
import LoupeModels

/// A method's own settings on the command line: `--heads 8`, `--heads=8`, `--mirror-student`
/// (true), `--no-transformer` (false). Keys are the TOML keys with dashes for underscores,
/// so every setting a method declares is an option without the command naming it.
enum MethodOptions {
    static func parse(_ arguments: [String], for method: any AnomalyMethod.Type) throws -> [String: SettingValue] {
        var settings: [String: SettingValue] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else { throw ValidationError("unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2)), text: String?
            if let equals = name.firstIndex(of: "=") {
                text = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            var key = name.replacingOccurrences(of: "-", with: "_")
            var negated = false
            if method.settings.first(where: { $0.key == key }) == nil, key.hasPrefix("no_") {
                key = String(key.dropFirst(3))
                negated = true
            }
            guard let setting = method.settings.first(where: { $0.key == key }) else {
                let known = method.settings.map { "--" + $0.option }
                throw ValidationError("unknown option '--\(name)'" + (known.isEmpty ? "" : " (\(method.name) takes \(known.joined(separator: ", ")))"))
            }
            let value: SettingValue
            switch setting.defaultValue {
            case .bool:
                guard text == nil || negated == false else { throw ValidationError("--no-\(name.dropFirst(3)) takes no value") }
                if let text {
                    guard let flag = Bool(text) else { throw ValidationError("--\(name): '\(text)' is not true or false") }
                    value = .bool(flag)
                } else {
                    value = .bool(!negated)
                }
            case .integer, .real:
                if text == nil {
                    guard index < arguments.count else { throw ValidationError("--\(name) needs a value") }
                    text = arguments[index]
                    index += 1
                }
                if let whole = Int(text!) { value = .integer(whole) } else if let real = Double(text!) { value = .real(real) } else {
                    throw ValidationError("--\(name): '\(text!)' is not a number")
                }
            }
            do {
                settings[key] = try setting.accept(value).get()
            } catch {
                throw ValidationError("--\(name): \(error)")
            }
        }
        return settings
    }

    /// The methods and their settings, for `--help` (lines under 80 columns).
    static var help: String {
        let width = MethodRegistry.names.map(\.count).max() ?? 0
        return MethodRegistry.methods.map { method in
            let pad = String(repeating: " ", count: width - method.name.count)
            let options = method.settings.map { setting -> String in
                let flag = setting.option
                switch setting.defaultValue {
                case .bool(true): return "--no-\(flag)"
                case .bool(false): return "--\(flag)"
                default: return "--\(flag) N (\(setting.defaultValue))"
                }
            }
            var lines = ["  \(method.name)\(pad)  \(method.summary)", "  \(String(repeating: " ", count: width))  \(method.paper)"]
            // Options wrapped by hand under 80 columns (ArgumentParser would wrap without indenting).
            let indent = "  \(String(repeating: " ", count: width))  "
            var line = indent + "options:"
            for (index, option) in options.enumerated() {
                let piece = " " + option + (index < options.count - 1 ? "," : "")
                if line.count + piece.count > 78 {
                    lines.append(line)
                    line = indent + "        "
                }
                line += piece
            }
            if !options.isEmpty { lines.append(line) }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
