import ArgumentParser
import LoupeData

/// Where the data set is, the same way for every command: one path whose layout Loupe
/// finds (`--data`), or plain folders (`--good`, `--defect`, `--masks`).
struct DataOptions: ParsableArguments {
    static let layouts = """
    Data sets (--data PATH, layout found by looking): an MVTec AD folder (train/good, \
    test/<kind>, ground_truth/<kind>/<stem>_mask.png); an MVTec AD 2 object folder (its \
    labelled test set test_public/good|bad with test_public/ground_truth/bad); an MVTec LOCO \
    object folder (ground_truth/<kind>/<stem>/000.png...: a folder of masks per image, their \
    union); a BTAD product folder (BTAD/01: \
    train/ok, test/ok|ko, ground_truth/ko/<stem>.png); KolektorSDD (a folder per part, each \
    PartN.jpg beside PartN_label.bmp: defective where the label marks pixels, the good \
    images train but every fifth, which tests); a VisA object folder (VisA/candle, read \
    through VisA/split_csv/1cls.csv); or a split .csv (columns object, split, label, image, \
    mask; paths relative to the folder above split_csv/). Or plain folders: --good DIR \
    [--defect DIR] [--test-good DIR] [--masks DIR --mask-pattern '{stem}_mask.png']; masks may lie \
    beside their images (--masks the same folder, --mask-pattern '{stem}.png'): a file that is \
    another image's mask is never an image. Images and masks may be PNG, JPEG, BMP or TIFF, \
    told apart by content.
    """

    @Option(help: "Data set: MVTec AD folder, VisA object folder or split .csv (see the layouts below).", completion: .file())
    var data: String?

    @Option(help: "Plain layout: folder of good images (they train, unless --test-good is given).", completion: .directory)
    var good: String?

    @Option(help: "Plain layout: folder of defect images (tested).", completion: .directory)
    var defect: String?

    @Option(help: "Plain layout: folder of good images held out for testing.", completion: .directory)
    var testGood: String?

    @Option(help: "Plain layout: folder of defect masks (white = defect).", completion: .directory)
    var masks: String?

    @Option(help: "Plain layout: a mask's file name; {stem} is the image's name without extension (default {stem}_mask.png).")
    var maskPattern: String?

    @Option(help: ArgumentHelp("Plain layout: only files with these extensions are images, e.g. .jpg,.png.",
                               discussion: "Other files in the image folders are skipped and named by `data check`."))
    var extensions: String?

    func validate() throws { _ = try source() }

    /// The data set named here, nil when none is.
    func source() throws -> DatasetSource? {
        let plainGiven = [defect, testGood, masks, maskPattern, extensions].contains { $0 != nil }
        if let data {
            guard good == nil && !plainGiven else { throw ValidationError("give either --data or --good (with --defect, --masks), not both") }
            return .path(data)
        }
        guard let good else {
            if plainGiven { throw ValidationError("--defect, --test-good, --masks, --mask-pattern and --extensions need --good") }
            return nil
        }
        if maskPattern != nil && masks == nil { throw ValidationError("--mask-pattern needs --masks") }
        if let maskPattern, !maskPattern.contains("{stem}") {
            throw ValidationError("--mask-pattern '\(maskPattern)' has no {stem}: every image would share one mask")
        }
        let allowed = extensions.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let allowed, allowed.isEmpty { throw ValidationError("--extensions: give at least one, e.g. .jpg,.png") }
        var folders = PlainFolders(good: good, defect: defect, testGood: testGood, masks: masks, maskPattern: maskPattern ?? PlainFolders.defaultMaskPattern)
        folders.extensions = allowed
        return .folders(folders)
    }
}
