// swift-tools-version:6.0
// A client of kernelgen, as a user's package would be: it compiles and runs every Swift snippet of the
// repository's README.md (the snippets are quoted verbatim in Sources/SwiftClient; a test of the repository
// checks that), with assertions on the values.
//
// By default it depends on the repository by path. With KERNELGEN_CLIENT_URL set (e.g. a `file://` URL of a
// clone tagged 0.1.0, as `scripts/check-swift-client.sh` makes), it depends on that URL by version instead,
// `from: KERNELGEN_CLIENT_VERSION` (default 0.1.0), which SwiftPM allows only for a package without unsafe flags.
import PackageDescription

let kernelgen: Package.Dependency = {
    if let url = Context.environment["KERNELGEN_CLIENT_URL"], !url.isEmpty {
        return .package(url: url, from: Version(Context.environment["KERNELGEN_CLIENT_VERSION"] ?? "0.1.0") ?? "0.1.0")
    }
    return .package(name: "kernelgen", path: "../..")
}()

let package = Package(
    name: "SwiftClient",
    platforms: [.macOS(.v15)],
    dependencies: [kernelgen],
    targets: [
        .executableTarget(
            name: "SwiftClient",
            dependencies: [
                .product(name: "Surrogates", package: "kernelgen"),
                .product(name: "SurrogateJIT", package: "kernelgen"),
            ]),
    ]
)
