import Foundation

// Runs every Swift snippet of the documentation, README.md and docs/*.md (see Package.swift); exits with status 1 on a wrong value.
do {
    try apiSnippet()
    try jitSnippet()
    try catalogueSnippet()
    try neuronSnippet()
    print("SwiftClient: every documentation snippet ran and checked")
} catch {
    print("FAILED: \(error)")
    exit(1)
}
