#!/usr/bin/env bash
# Coverage-guided fuzzing of the spec loader and formula parser (libFuzzer + AddressSanitizer).
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]     # default 600 s; run from the repository root
#
# Builds into .build/fuzz (outside SwiftPM's own folders): libyaml (Yams' CYaml) with clang, then the Swift
# modules Yams, NameSuggestion and SurrogateSpec with `swiftc -sanitize=fuzzer,address` from their sources
# (Yams from SwiftPM's checkout: run `swift build` once first), then Fuzz/SpecLoaderFuzzer.swift linked
# with libFuzzer. The corpus starts from Specs/*.yaml and the test specs (Tests/**/*.yaml); libFuzzer adds
# what it finds to .build/fuzz/corpus, and crashes go to .build/fuzz/artifacts (reproduce one with
# `.build/fuzz/spec-loader-fuzzer .build/fuzz/artifacts/crash-...`).
set -euo pipefail
seconds="${1:-600}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build/fuzz"
yams="$root/.build/checkouts/Yams/Sources"
[ -d "$yams/Yams" ] || { echo "no Yams checkout in .build/checkouts: run \`swift build\` first" >&2; exit 1; }
mkdir -p "$out/obj" "$out/modules" "$out/corpus" "$out/artifacts"
sanitize=(-sanitize=fuzzer,address)
common=(-O -g -parse-as-library -wmo -num-threads 0 "${sanitize[@]}" -I "$out/modules" -I "$yams/CYaml/include")

echo "building libyaml"
for c in "$yams"/CYaml/src/*.c; do
  clang -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -c "$c" -o "$out/obj/cyaml-$(basename "$c" .c).o"
done
module() { # name sources...
  local name="$1"; shift
  echo "building $name"
  swiftc "${common[@]}" -module-name "$name" -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
    -D SWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC -c "$@" -o "$out/obj/$name.o"
}
module Yams $(find "$yams/Yams" -name '*.swift' | sort)
module NameSuggestion $(find "$root/Sources/NameSuggestion" -name '*.swift' | sort)
module SurrogateSpec $(find "$root/Sources/SurrogateSpec" -name '*.swift' | sort)
echo "linking the fuzzer"
swiftc -O -g -parse-as-library "${sanitize[@]}" -I "$out/modules" -I "$yams/CYaml/include" -module-name SpecLoaderFuzzer \
  "$root/Fuzz/SpecLoaderFuzzer.swift" "$out"/obj/*.o -o "$out/spec-loader-fuzzer"

seed="$out/seed"
rm -rf "$seed" && mkdir -p "$seed"
find "$root/Specs" "$root/Tests" -name '*.yaml' -exec cp {} "$seed/" \;
echo "fuzzing for $seconds s"
# -max_len: specs are small; -timeout: a hang is an input taking more than 10 s.
SWIFT_BACKTRACE=enable=no "$out/spec-loader-fuzzer" "$out/corpus" "$seed" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"
