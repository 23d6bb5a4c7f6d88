import Foundation
import KernelgenCommandLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands the kernel commands to `kernelgen-tools`, the executable beside this one that links the kernels
/// and the JIT. Inside a SwiftPM build folder (`swift run kernelgen eval ...`) it first builds that product
/// with the same scratch path and configuration, so the tools always run the current kernels; set
/// `KERNELGEN_TOOLS_NO_BUILD=1` to skip that (the tests do: the package is built already).
enum ToolForwarding {
    static let commands = ["eval", "jit", "tune", "bench"]
    static let tool = "kernelgen-tools"

    static func run(_ arguments: [String]) -> Never {
        guard let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() else {
            fail("cannot find this executable's folder; run `\(tool) \(arguments.joined(separator: " "))` instead")
        }
        let folder = executable.deletingLastPathComponent()
        let tools = folder.appendingPathComponent(tool)
        if ProcessInfo.processInfo.environment["KERNELGEN_TOOLS_NO_BUILD"] != "1", let build = SwiftPMBuild(folder: folder) {
            build.buildTools()
        }
        guard FileManager.default.isExecutableFile(atPath: tools.path) else {
            fail("`kernelgen \(arguments[0])` runs kernels, which `\(tool)` holds, and it is not beside this executable (\(folder.path)); build it with `swift build --product \(tool)` in the project, or run `swift run \(tool) \(arguments[0]) ...`")
        }
        let argv = ([tools.path] + arguments).map { strdup($0) } + [nil]
        execv(tools.path, argv)
        fail("cannot run \(tools.path): \(String(cString: strerror(errno)))")
    }

    static func fail(_ message: String) -> Never {
        Console.error("error: \(message)")
        exit(1)
    }

    /// The package and build settings this executable was built with, read off its path
    /// (`<package>/<scratch>/<triple>/<configuration>/kernelgen`, scratch being `.build` or `.build-NAME`).
    struct SwiftPMBuild {
        var package: URL
        var scratch: URL
        var configuration: String

        init?(folder: URL) {
            let parts = folder.pathComponents
            guard let index = parts.lastIndex(where: { $0.hasPrefix(".build") }), index > 0,
                  ["debug", "release"].contains(folder.lastPathComponent) else { return nil }
            scratch = URL(fileURLWithPath: NSString.path(withComponents: Array(parts[...index])))
            package = scratch.deletingLastPathComponent()
            configuration = folder.lastPathComponent
            guard FileManager.default.fileExists(atPath: package.appendingPathComponent("Package.swift").path) else { return nil }
        }

        /// `swift build --product kernelgen-tools`, its output on stderr; exits with its status on failure.
        func buildTools() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["swift", "build", "--package-path", package.path, "--scratch-path", scratch.path,
                                 "-c", configuration, "--product", ToolForwarding.tool]
            process.standardOutput = FileHandle.standardError
            do {
                try process.run()
                process.waitUntilExit()
            } catch {
                ToolForwarding.fail("cannot run `swift build` to build \(ToolForwarding.tool): \(error)")
            }
            guard process.terminationStatus == 0 else {
                ToolForwarding.fail("building \(ToolForwarding.tool) failed (above); `kernelgen generate` still works without it")
            }
        }
    }
}
