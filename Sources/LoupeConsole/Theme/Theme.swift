import Foundation
import LoupeFormats
import LoupeEngine
import LoupeImaging
import LoupeTensor

/// Colours and colour map of the console, from `themes/NAME.toml`. Colours are RGB, so one
/// theme serves 256-colour and 8-colour terminals alike (each reduces to its nearest).
public struct Theme: Sendable, Equatable {
    /// What a colour is for.
    public enum Role: String, CaseIterable, Sendable {
        case titleText = "title_text", titleBar = "title_bar"
        case good, defect, both, wrong, accent, curve
        case epochCurve = "epoch_curve", contour, cursor
    }

    public let name: String
    public var colourMap: ColourMap
    public let colours: [Role: (UInt8, UInt8, UInt8)]

    public static func == (a: Theme, b: Theme) -> Bool {
        a.name == b.name && a.colourMap == b.colourMap && Role.allCases.allSatisfy { a.colours[$0]! == b.colours[$0]! }
    }

    /// The theme the console uses without `--theme` (the same as themes/default.toml).
    public static let standard = Theme(name: "default", colourMap: .turbo, colours: [
        .titleText: (0, 0, 0), .titleBar: (192, 192, 192), .good: (0, 175, 0), .defect: (215, 0, 0),
        .both: (215, 175, 0), .wrong: (255, 95, 95), .accent: (0, 175, 175), .curve: (0, 175, 255),
        .epochCurve: (255, 215, 0), .contour: (255, 0, 255), .cursor: (255, 255, 255),
    ])

    public init(name: String, colourMap: ColourMap, colours: [Role: (UInt8, UInt8, UInt8)]) {
        self.name = name
        self.colourMap = colourMap
        self.colours = colours
    }

    /// Reads a theme file: `colour_map = "turbo"` and a `[colours]` table of "#rrggbb"
    /// for every role; a mistake names the file, line and key (`TOMLFileError`).
    public init(contentsOf path: String) throws {
        let document = try TOMLDocument(path: path)
        try document.expectOnly(["name", "colour_map"])
        let mapName = try document.string("colour_map") ?? "turbo"
        guard let map = ColourMap(rawValue: mapName) else {
            throw document.badValue("colour_map", value: "\"\(mapName)\"", expected: ColourMap.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try document.expectOnly(Role.allCases.map(\.rawValue), in: "colours")
        var colours: [Role: (UInt8, UInt8, UInt8)] = [:]
        // Wrong values first (they are what was just typed), then what is missing.
        for role in Role.allCases {
            guard let value = try document.string(role.rawValue, in: "colours") else { continue }
            guard let rgb = Self.rgb(value) else { throw document.badValue(role.rawValue, in: "colours", value: "\"\(value)\"", expected: "\"#rrggbb\"") }
            colours[role] = rgb
        }
        if let missing = Role.allCases.first(where: { colours[$0] == nil }) {
            throw TOMLFileError.missingKey(path: path, key: "colours." + missing.rawValue)
        }
        self.init(name: try document.string("name") ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension,
                  colourMap: map, colours: colours)
    }

    static func rgb(_ text: String) -> (UInt8, UInt8, UInt8)? {
        guard text.count == 7, text.hasPrefix("#"), let value = UInt32(text.dropFirst(), radix: 16) else { return nil }
        return (UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }

    /// A role's colour as `depth` can show it.
    public func colour(_ role: Role, depth: ColourDepth) -> TerminalColour {
        let (r, g, b) = colours[role] ?? (255, 255, 255)
        return .nearest(red: r, green: g, blue: b, depth: depth)
    }

    /// Folders searched for `--theme NAME` (`ShippedFiles`): `$LOUPE_THEMES`, the installed
    /// prefix's, the checkout's, ./themes.
    public static var searchFolders: [String] { ShippedFiles.candidates("themes", environment: "LOUPE_THEMES") }

    /// A theme by name (searched in `searchFolders`) or by path to a .toml file.
    public static func named(_ name: String) throws -> Theme {
        if name.hasSuffix(".toml") { return try Theme(contentsOf: name) }
        let candidates = searchFolders.map { $0 + "/" + name + ".toml" }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ThemeError.notFound(name: name, searched: candidates)
        }
        return try Theme(contentsOf: found)
    }
}

/// A theme that is not where `--theme` looked (what is wrong inside a theme file is a
/// `TOMLFileError`).
public enum ThemeError: UserInputError, Equatable {
    case notFound(name: String, searched: [String])

    public var description: String {
        switch self {
        case let .notFound(name, searched): return "theme '\(name)' not found; looked for \(searched.joined(separator: ", "))"
        }
    }
}
