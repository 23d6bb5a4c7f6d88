#!/usr/bin/env bash
# Builds the C library with GCC and clang, as installed (target clones, the loader picks) and as each clone on
# its own (baseline: KERNELGEN_TARGET_CLONES=OFF at -march=x86-64; KERNELGEN_CLONE=arch=x86-64-v3 / -v4: the
# clone's code with its target attribute), links bench.c
# against each, and runs them interleaved, ROUNDS rounds; prints the range (min-max over rounds) of each
# median, G elements/s, with the same-run roofline loops. One thread (taskset to one CPU when available).
#
#   examples/c-bench/bench.sh [ROUNDS] [N]        # defaults: 5 rounds, 65536 elements
#   CLANG=clang-14 examples/c-bench/bench.sh      # another clang (default: the one beside swiftc, else clang)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}"
n="${2:-65536}"
gcc="${GCC:-gcc}"
if [ -z "${CLANG:-}" ]; then
    CLANG=clang
    if command -v swiftc >/dev/null; then
        c="$(dirname "$(readlink -f "$(command -v swiftc)")")/clang"
        [ -x "$c" ] && CLANG="$c"
    fi
fi
levels=(clones x86-64 x86-64-v3 x86-64-v4)
if ! grep -q avx512f /proc/cpuinfo; then levels=(clones x86-64 x86-64-v3); fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

variants=()
for compiler in gcc clang; do
    cc="$gcc"; [ "$compiler" = clang ] && cc="$CLANG"
    for level in "${levels[@]}"; do
        v="$compiler-$level"
        case "$level" in
            clones) opts=(-DKERNELGEN_TARGET_CLONES=ON) ;;
            x86-64) opts=(-DKERNELGEN_TARGET_CLONES=OFF) ;;
            *) opts=("-DKERNELGEN_CLONE=arch=$level") ;;
        esac
        cmake -S "$root" -B "$work/build-$v" -DCMAKE_C_COMPILER="$cc" -DKERNELGEN_BUILD_SHARED=OFF "${opts[@]}" >/dev/null
        cmake --build "$work/build-$v" -j2 >/dev/null
        cmake --install "$work/build-$v" --prefix "$work/prefix-$v" >/dev/null
        # The benchmark itself (and its roofline loops) is the same compiler and flags for every variant
        # (-O3: GCC 12 at -O2 vectorises no loop that needs a remainder).
        "$gcc" -std=gnu11 -O3 -march=native -I "$work/prefix-$v/include/kernelgen" "$root/examples/c-bench/bench.c" \
            "$work/prefix-$v/lib/libkernelgen.a" -lm -o "$work/bench-$v"
        variants+=("$v")
    done
done

pin=()
command -v taskset >/dev/null && pin=(taskset -c 1)
echo "# examples/c-bench/bench.sh $rounds $n   ($(date -u +%Y-%m-%d), $("$gcc" --version | head -n 1), $("$CLANG" --version | head -n 1))"
for ((r = 0; r < rounds; r++)); do
    for v in "${variants[@]}"; do
        "${pin[@]}" "$work/bench-$v" "$n" | sed "s/^/$v /" >>"$work/results"
    done
done
# variant kernel dtype value -> ranges, one row per kernel and dtype, one column per variant.
awk -v variants="${variants[*]}" '
    { k = $2 " " $3; key = $1 SUBSEP k
      if (!(key in lo) || $4 < lo[key]) lo[key] = $4
      if (!(key in hi) || $4 > hi[key]) hi[key] = $4
      if (!(k in seen)) { seen[k] = 1; order[++nk] = k } }
    END {
      nv = split(variants, v, " ")
      printf "%-36s", "kernel dtype (G elements/s)"; for (i = 1; i <= nv; i++) printf " %15s", v[i]; printf "\n"
      for (j = 1; j <= nk; j++) {
        printf "%-36s", order[j]
        for (i = 1; i <= nv; i++) printf " %15s", sprintf("%.2f-%.2f", lo[v[i] SUBSEP order[j]], hi[v[i] SUBSEP order[j]])
        printf "\n"
      }
    }' "$work/results"
