import Foundation
import Logging

/// The test log shows test results: what the runtime and the JIT log (a loaded spec's warnings, which the tests
/// assert on where they matter) is dropped below `error`, unless `KERNELGEN_LOG` asks for a level (trace, debug,
/// info, warning, ...), as the C ABI does. Call before the first JIT or dispatch-table use of a test.
public enum QuietLogs {
    public static func bootstrap() { _ = once }

    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["KERNELGEN_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()
}
