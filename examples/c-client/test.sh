#!/usr/bin/env bash
# The C library as a C/C++ user gets it, with GCC and clang: builds and installs it with CMake (static and
# shared, -Wall -Wextra -Werror), builds examples/c-client/main.c against the install through pkg-config
# (shared and static) and through the CMake package, runs it (docs/c-api.md's C snippet, which must be the
# block in main.c character for character, checked against long double references), compiles kernelgen.h
# as C++, and checks bit-identity: every kernel's output on edge values and a grid is the same with GCC and
# clang, in every clone (baseline x86-64, AVX2+FMA, AVX-512 where the CPU has it), and, with
# KERNELGEN_TOOLS=<path to kernelgen-tools>, the same as the Swift package's C and Swift kernels.
#
#   examples/c-client/test.sh                 # CLANG=... to choose a clang (default: the one beside swiftc)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/c-client"
CC_GCC="${GCC:-gcc}"
CXX_GCC="${GXX:-g++}"
if [ -z "${CLANG:-}" ]; then
    CLANG=clang
    if command -v swiftc >/dev/null; then
        c="$(dirname "$(readlink -f "$(command -v swiftc)")")/clang"
        [ -x "$c" ] && CLANG="$c"
    fi
fi
CLANGXX="${CLANGXX:-${CLANG}++}"
[ -x "$CLANGXX" ] || command -v "$CLANGXX" >/dev/null || CLANGXX="$(dirname "$CLANG")/clang++"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { echo "== $*"; }

# 1. The C snippets of docs/c-api.md (every C block, in order) are main.c's README-snippet blocks, as written.
awk '/^```c$/{inside=1; next} inside && /^```$/{inside=0} inside' "$root/docs/c-api.md" >"$work/readme.c"
awk '/README-snippet-begin/{inside=1; next} /README-snippet-end/{inside=0} inside' "$here/main.c" >"$work/main-snippet.c"
[ -s "$work/readme.c" ] || { echo "FAIL: no C block in docs/c-api.md"; exit 1; }
if ! diff -u "$work/readme.c" "$work/main-snippet.c"; then
    echo "FAIL: docs/c-api.md's C snippets and examples/c-client/main.c's README-snippet blocks differ"; exit 1
fi
step "docs/c-api.md's C snippets = examples/c-client/main.c blocks"

levels=(base)
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && levels+=(x86-64-v3)
grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && levels+=(x86-64-v4)
warn=(-Wall -Wextra -Werror)
dumps=()
for compiler in gcc clang; do
    if [ "$compiler" = gcc ]; then cc="$CC_GCC"; cxx="$CXX_GCC"; else cc="$CLANG"; cxx="$CLANGXX"; fi
    prefix="$work/prefix-$compiler"
    # 2. The documented build: static and shared, target clones, installed.
    cmake -S "$root" -B "$work/build-$compiler" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${warn[*]}" >/dev/null
    cmake --build "$work/build-$compiler" -j2 >/dev/null
    cmake --install "$work/build-$compiler" --prefix "$prefix" >/dev/null
    for f in lib/libkernelgen.a lib/libkernelgen.so lib/pkgconfig/kernelgen.pc lib/cmake/kernelgen/kernelgenConfig.cmake \
             include/kernelgen/kernelgen.h; do
        [ -e "$prefix/$f" ] || { echo "FAIL: $compiler install has no $f"; exit 1; }
    done
    for h in "$root"/Generated/C/include/*.h; do
        cmp -s "$h" "$prefix/include/kernelgen/$(basename "$h")" || { echo "FAIL: $(basename "$h") not installed"; exit 1; }
    done
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    # 3. The client through pkg-config: shared (the default -lkernelgen) and static.
    "$cc" -std=c11 -O2 "${warn[@]}" "$here/main.c" $(pkg-config --cflags --libs kernelgen) \
        -Wl,-rpath,"$prefix/lib" -o "$work/client-$compiler-shared"
    "$cc" -std=c11 -O2 "${warn[@]}" $(pkg-config --cflags kernelgen) "$here/main.c" "$prefix/lib/libkernelgen.a" \
        $(pkg-config --libs-only-l kernelgen | sed 's/-lkernelgen//') -o "$work/client-$compiler-static"
    # (ldd's output in a variable: `ldd | grep -q` fails under pipefail when grep stops reading early.)
    libs="$(ldd "$work/client-$compiler-shared")"
    [[ "$libs" == *"libkernelgen.so.0 => $prefix/lib"* ]] \
        || { echo "FAIL: client-$compiler-shared does not load the installed libkernelgen.so"; exit 1; }
    libs="$(ldd "$work/client-$compiler-static")"
    if [[ "$libs" == *libkernelgen* ]]; then echo "FAIL: static client loads libkernelgen.so"; exit 1; fi
    for kind in shared static; do
        "$work/client-$compiler-$kind"
        "$work/client-$compiler-$kind" --dump >"$work/dump-$compiler-$kind"
        dumps+=("$compiler-$kind")
    done
    step "$compiler: library built, installed; C client (pkg-config, shared and static) passes"
    # The CMake package.
    cmake -S "$here" -B "$work/client-cmake-$compiler" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${warn[*]}" \
        -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
    cmake --build "$work/client-cmake-$compiler" >/dev/null
    "$work/client-cmake-$compiler/c-client" >/dev/null
    step "$compiler: C client through find_package(kernelgen) passes"
    # 4. C++: the header compiles as C++ and links (extern "C").
    "$cxx" -std=c++11 "${warn[@]}" -fsyntax-only $(pkg-config --cflags kernelgen) -x c++ "$prefix/include/kernelgen/kernelgen.h"
    "$cxx" -std=c++11 -O2 "${warn[@]}" "$here/cxx_header.cpp" $(pkg-config --cflags --libs kernelgen) \
        -Wl,-rpath,"$prefix/lib" -o "$work/cxx-$compiler"
    "$work/cxx-$compiler"
    step "$compiler: kernelgen.h compiles, links and runs as C++ ($cxx)"
    # 5. Each clone on its own (the loader picks one on this CPU; these run the others here too).
    for level in "${levels[@]}"; do
        if [ "$level" = base ]; then opts=(-DKERNELGEN_TARGET_CLONES=OFF); else opts=("-DKERNELGEN_CLONE=arch=$level"); fi
        b="$work/build-$compiler-$level"
        cmake -S "$root" -B "$b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${warn[*]}" -DKERNELGEN_BUILD_SHARED=OFF "${opts[@]}" >/dev/null
        cmake --build "$b" -j2 >/dev/null
        "$cc" -std=c11 -O2 -I "$root/Generated/C/include" "$here/main.c" "$b/libkernelgen.a" -lm -o "$work/client-$compiler-$level"
        "$work/client-$compiler-$level" >/dev/null
        "$work/client-$compiler-$level" --dump >"$work/dump-$compiler-$level"
        dumps+=("$compiler-$level")
    done
    step "$compiler: clones ${levels[*]} built and pass"
    unset PKG_CONFIG_PATH
done

# 6. Bit-identity across compilers, clones and link kinds.
reference="${dumps[0]}"
lines="$(wc -l <"$work/dump-$reference")"
[ "$lines" -gt 50 ] || { echo "FAIL: dump has $lines lines"; exit 1; }
for d in "${dumps[@]}"; do
    if ! cmp -s "$work/dump-$reference" "$work/dump-$d"; then
        echo "FAIL: kernel outputs of $d differ from $reference:"
        diff <(tr ' ' '\n' <"$work/dump-$reference") <(tr ' ' '\n' <"$work/dump-$d") | head -n 10
        exit 1
    fi
done
step "bit-identical: ${dumps[*]} ($lines kernels x $(head -n 1 "$work/dump-$reference" | wc -w) values)"

# 7. The same bits as the Swift package's kernels (C and Swift backends), through `kernelgen-tools eval`.
if [ -n "${KERNELGEN_TOOLS:-}" ]; then
    client="$work/client-gcc-shared"
    for d in f32 f64; do
        "$client" --grid "$d" >"$work/grid-$d"
        for backend in c swift; do
            for s in sigmoid arctan gaussian piecewise_linear; do
                "$KERNELGEN_TOOLS" eval "$s" --dtype "$d" --backend "$backend" <"$work/grid-$d" | "$client" --compare "$s" "$d"
            done
            "$KERNELGEN_TOOLS" eval noisy_threshold --dtype "$d" --backend "$backend" --mode train --seed 42 <"$work/grid-$d" \
                | "$client" --compare noisy_threshold "$d" 42
        done
    done
    step "GCC-built library = Swift package's C and Swift kernels ($KERNELGEN_TOOLS)"
else
    echo "(KERNELGEN_TOOLS not set: no comparison with the Swift package's kernels)"
fi
echo "c-client test: ok"
