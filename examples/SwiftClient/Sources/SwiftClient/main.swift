import Foundation

// Runs every Swift snippet of README.md and docs/neurons.md (see Package.swift); exits with status 1 on a wrong value.
do {
    try apiSnippet()
    try jitSnippet()
    try catalogueSnippet()
    try neuronSnippet()
    print("SwiftClient: every README snippet ran and checked")
} catch {
    print("FAILED: \(error)")
    exit(1)
}
