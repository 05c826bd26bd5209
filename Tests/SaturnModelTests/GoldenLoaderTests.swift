import Foundation
import SaturnTestKit
import Testing

/// The golden loader itself: a deleted, emptied or case-less golden file makes loading throw (so `swift test`
/// fails instead of skipping a test or running one with zero checks), and the repository's files hold the case
/// counts the tests assert.
struct GoldenLoaderTests {
    /// A fresh temporary directory, removed after `body`.
    private func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("saturn-golden-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }  // cleanup only: nothing is read through it
        try body(dir)
    }

    private func write(_ text: String, _ name: String, in dir: URL) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent("\(name).json"))
    }

    @Test func missingFileThrows() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: GoldenError.missing("golden file \(dir.appendingPathComponent("stats.json").path)")) {
                try Golden("stats", in: dir)
            }
        }
    }

    @Test func emptyFileThrows() throws {
        try withTemporaryDirectory { dir in
            try write("", "stats", in: dir)
            #expect(throws: GoldenError.empty(dir.appendingPathComponent("stats.json").path)) {
                try Golden("stats", in: dir)
            }
        }
    }

    @Test(arguments: ["   \n", "{\"cases\": [", "[{\"id\": \"a\"}]", "null"])
    func fileThatIsNotAJSONObjectThrows(text: String) throws {
        try withTemporaryDirectory { dir in
            try write(text, "stats", in: dir)
            let error = #expect(throws: GoldenError.self) { try Golden("stats", in: dir) }
            guard case .malformed(let detail)? = error else {
                Issue.record("expected .malformed, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("stats.json"))
        }
    }

    @Test func emptyOrMissingCaseListThrows() throws {
        try withTemporaryDirectory { dir in
            try write(#"{"cases": [], "ks_cases": [{"id": "a"}], "numbers": [1, 2]}"#, "stats", in: dir)
            let golden = try Golden("stats", in: dir)
            #expect(throws: GoldenError.noCases(file: "stats", key: "cases")) { try golden.cases() }
            #expect(throws: GoldenError.missingCases(file: "stats", key: "mwu_cases")) { try golden.cases("mwu_cases") }
            #expect(throws: GoldenError.self) { try golden.cases("numbers") }
            #expect(try golden.cases("ks_cases").map(\.id) == ["a"])
            #expect(String(describing: GoldenError.noCases(file: "stats", key: "cases")).contains("check nothing"))
        }
    }

    @Test func missingArraysInACaseThrow() throws {
        try withTemporaryDirectory { dir in
            try write(#"{"cases": [{"id": "a", "B": [1, 2], "bad": [1, "x"]}]}"#, "fit", in: dir)
            let c = try #require(try Golden("fit", in: dir).cases().first)
            #expect(try c.doubles("B") == [1, 2])
            #expect(throws: GoldenError.missingField(file: "fit", caseID: "a", key: "S")) { try c.doubles("S") }
            #expect(throws: GoldenError.missingField(file: "fit", caseID: "a", key: "data")) { try c.table() }
            #expect(throws: GoldenError.missingField(file: "fit", caseID: "a", key: "folds")) { try c.objects("folds") }
            #expect(throws: GoldenError.self) { try c.doubles("bad") }
        }
    }

    @Test func directoryWithoutStepTablesThrows() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: GoldenError.self) { try Repository.stepTables(in: dir) }
            #expect(throws: GoldenError.self) { try Repository.stepTables(in: dir.appendingPathComponent("nope")) }
            try Data("B,S,T_ms\n".utf8).write(to: dir.appendingPathComponent("steps_x.csv"))
            #expect(try Repository.stepTables(in: dir).map(\.lastPathComponent) == ["steps_x.csv"])
        }
    }

    /// Every golden list a test reads, with its number of cases: the counts the tests assert.
    @Test(arguments: [
        ("stats", "ks_cases", 20), ("stats", "mwu_cases", 20), ("stats", "shapiro_cases", 24),
        ("model_eval", "cases", 20), ("mse_gradient", "cases", 8), ("ewloss", "cases", 7),
        ("fit_cases", "cases", 8), ("baselines", "cases", 12), ("cv", "cases", 3),
    ])
    func repositoryGoldenFilesHoldTheirCases(file: String, key: String, count: Int) throws {
        #expect(try Golden(file).cases(key).count == count)
    }

    @Test func repositoryPathsStayInsideTheRepository() throws {
        let root = Repository.root.standardizedFileURL.path
        for url in [Repository.goldenDirectory, Repository.dataDirectory] + (try Repository.stepTables()) {
            #expect(url.standardizedFileURL.path.hasPrefix(root + "/"), "\(url.path)")
            #expect(FileManager.default.fileExists(atPath: url.path), "\(url.path)")
        }
    }
}
