#!/usr/bin/env bash
# Builds and runs examples/SwiftClient (every Swift snippet of README.md and docs/*.md, with checks of the values) twice:
#   1. depending on this repository by path (`../..`), as the example's Package.swift does by default;
#   2. depending on it by version, as a user's package would: a bare clone of the committed HEAD tagged 0.1.0,
#      `.package(url: "file://...", from: "0.1.0")`. SwiftPM refuses unsafe flags in such a dependency, so this
#      fails if any target a client builds carries one (try it: KERNELGEN_SWIFT_TARGET_CPU=haswell $0).
# Uncommitted changes are not in the clone of step 2. Scratch folders: examples/SwiftClient/.build and
# .build-versioned (both ignored by git).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
example="$root/examples/SwiftClient"

# The two configurations pin different dependencies: neither may see the other's Package.resolved.
rm -f "$example/Package.resolved"
echo "== SwiftClient, path dependency"
swift run --package-path "$example" SwiftClient

echo "== SwiftClient, versioned dependency (from: 0.1.0)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; rm -f "$example/Package.resolved"' EXIT
git clone --quiet --bare "$root" "$tmp/kernelgen.git"
# Only the tag made here, so `from: "0.1.0"` can only resolve to HEAD (not to an older commit's tag).
git -C "$tmp/kernelgen.git" tag -l | while read -r t; do git -C "$tmp/kernelgen.git" tag -d "$t" >/dev/null; done
git -C "$tmp/kernelgen.git" tag 0.1.0 HEAD
rm -f "$example/Package.resolved"
KERNELGEN_CLIENT_URL="file://$tmp/kernelgen.git" KERNELGEN_CLIENT_VERSION=0.1.0 \
    swift run --package-path "$example" --scratch-path "$example/.build-versioned" SwiftClient
