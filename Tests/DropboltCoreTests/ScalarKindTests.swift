import DropboltTesting
import Testing
import Yams

@testable import DropboltCore

/// The hand-written scalar resolver must agree with YAML 1.1 as Yams' regex resolver applied it.
@Suite struct ScalarKindTests {
    @Test(arguments: ["", "~", "null", "Null", "NULL"])
    func nullSpellings(text: String) {
        #expect(ScalarKind(plain: text) == .null)
    }

    @Test(arguments: [
        ("true", true), ("True", true), ("TRUE", true), ("yes", true), ("Yes", true), ("ON", true),
        ("false", false), ("False", false), ("no", false), ("NO", false), ("off", false), ("Off", false),
    ])
    func boolSpellings(text: String, value: Bool) {
        #expect(ScalarKind(plain: text) == .bool(value))
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("7", 7), ("+7", 7), ("-12", -12), ("1_000", 1000), ("0x1F", 31), ("-0x10", -16),
        ("0b101", 5), ("0o17", 15), ("017", 15), ("1:30", 90), ("-1:00:01", -3601), ("9223372036854775807", .max),
        ("-9223372036854775808", .min),
    ])
    func integers(text: String, value: Int64) {
        #expect(ScalarKind(plain: text) == .integer(value))
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "0xFFFFFFFFFFFFFFFFFF", "99999999999999999999"])
    func integersTooLargeForInt64AreStillIntegers(text: String) {
        #expect(ScalarKind(plain: text) == .integer(nil))
    }

    @Test(arguments: [
        ("0.5", 0.5), ("-1.25", -1.25), ("+2.", 2), ("1e3", 1000), ("1.5E-2", 0.015), (".5", 0.5), ("1_000.5", 1000.5),
        ("09", 9), (".inf", .infinity), ("-.Inf", -.infinity),
    ])
    func floats(text: String, value: Double) {
        #expect(ScalarKind(plain: text) == .float(value))
    }

    @Test func notANumberIsAFloat() {
        guard case .float(let value) = ScalarKind(plain: ".nan") else {
            Issue.record("'.nan' is not a float")
            return
        }
        #expect(value.isNaN)
    }

    @Test(arguments: [
        "hello", "0x", "0b2", "08x", "_1", "1__a", "1:60", "0:30", "1.2.3", "e5", "1e", "-.5", "1.5e+", "inf", "nan",
        "Infinity", "True!", "yes please", "0x1p3", "１２", "12 ", "tRUE", "nul",
    ])
    func everythingElseIsText(text: String) {
        #expect(ScalarKind(plain: text) == .text)
    }

    @Test func quotesAndTagsDecide() throws {
        let root = try #require(
            try Yams.compose(
                yaml: "a: 'yes'\nb: \"5\"\nc: !!str 5\nd: !!int 5\ne: !!float 2\nf: !!bool yes\ng: ! 5\nh: ''\ni: 5\n",
                .basic))
        let kinds = try #require(root.mapping).map { ($0.key.string ?? "", $0.value.scalarKind) }
        let expected: [(String, ScalarKind?)] = [
            ("a", .text), ("b", .text), ("c", .text), ("d", .integer(5)), ("e", .float(2)), ("f", .bool(true)),
            ("g", .text), ("h", .text), ("i", .integer(5)),
        ]
        #expect(kinds.map(\.0) == expected.map(\.0))
        #expect(kinds.map(\.1) == expected.map(\.1))
    }

    @Test func configValuesAreTypedThroughTheResolver() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write(
            "dropbolt.yaml", contents: "workers: 0x3\nsettle_seconds: 1_500e-3\ninotify: off\nrescan_minutes: 1:30\n")
        let configuration = try DropboltConfiguration.load(path: path, environment: ["HOME": folder.path])
        #expect(configuration.workers == 3)
        #expect(configuration.settleSeconds == 1.5)
        #expect(configuration.inotify == false)
        #expect(configuration.rescanMinutes == 90)
    }

    @Test func quotedNumberIsAWrongTypeWithItsPosition() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: '3'\n", in: folder)
        #expect(
            error.description == "\(folder.path)/dropbolt.yaml:1:10: workers: must be a whole number, found text '3'")
    }

    @Test func hugeWholeNumberIsOutOfRangeNotWrongType() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError(
            "watch: inbox\naction: analyze\nprompt: x\nmax_sats: 99999999999999999999\n", in: folder)
        #expect(error.shortDescription == "invalidValue")
        #expect(
            error.description.hasPrefix(
                "\(folder.path)/rules/products.yaml:4:11: max_sats: 99999999999999999999 is out of range"))
    }
}
