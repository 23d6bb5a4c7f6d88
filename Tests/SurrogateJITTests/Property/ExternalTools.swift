import Foundation

/// The compilers the property test drives (cc for the generated C, swiftc for the generated Swift), run as
/// child processes with a time limit, and where the package's built modules are for `swiftc -typecheck`.
enum ExternalTools {
    struct Outcome { var status: Int32; var output: String; var timedOut: Bool }

    /// `name` on PATH, or nil (the test then skips that stage and says so).
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kg-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, output: output, timedOut: timedOut)
    }

    /// The folder of the running test binary (`.build/<triple>/debug`), which holds `Modules/` and the
    /// C targets' module maps.
    static var buildFolder: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Flags that let `swiftc -typecheck` import the built `SurrogateRuntime` (and the C and Swift modules it
    /// depends on), or nil with the reason when the build folder does not have them.
    static func swiftModuleFlags() -> (flags: [String]?, reason: String) {
        let build = buildFolder
        let modules = build.appendingPathComponent("Modules")
        guard FileManager.default.fileExists(atPath: modules.appendingPathComponent("SurrogateRuntime.swiftmodule").path) else {
            return (nil, "no SurrogateRuntime.swiftmodule in \(modules.path)")
        }
        let floatEnvironment = build.appendingPathComponent("CFloatEnvironment.build/module.modulemap")
        let buildInfo = build.appendingPathComponent("CBuildInfo.build/module.modulemap")
        // swift-numerics' C shims: its module map lives in the package checkout, next to the build folder.
        let checkouts = build.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkouts")
        let shims = checkouts.appendingPathComponent("swift-numerics/Sources/_NumericsShims/include/module.modulemap")
        for map in [floatEnvironment, buildInfo, shims] where !FileManager.default.fileExists(atPath: map.path) {
            return (nil, "no module map at \(map.path)")
        }
        return (["-I", modules.path, "-Xcc", "-fmodule-map-file=\(floatEnvironment.path)",
                 "-Xcc", "-fmodule-map-file=\(buildInfo.path)", "-Xcc", "-fmodule-map-file=\(shims.path)"], "")
    }
}
