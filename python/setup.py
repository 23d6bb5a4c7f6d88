"""Builds kernelgen's Swift library and puts it inside the package.

`pip install ./python`, run from a checkout of the repository, runs `swift build -c release --product
KernelgenABI` in the repository root (the parent of this folder) and copies libKernelgenABI.so into the wheel
next to kernelgen/__init__.py. The sdist (`python -m build --sdist python`) carries the Swift package the build
needs (Package.swift, Sources/, Generated/, Tests/: the files git tracks there) in its `swift/` folder, so
`pip install kernelgen-<version>.tar.gz` builds the same way where a toolchain exists. Either needs Swift 6 on
PATH (or SWIFT=/path/to/swift), plus what the Swift build needs (scripts/install-deps.sh: LLVM/clang 14
development files). Such a wheel finds the Swift runtime through its RUNPATH (the toolchain's usr/lib/swift/linux)
and LLVM in the system, so the toolchain must stay where it was at build time; scripts/build-wheel.sh makes the
wheel that carries them all (auditwheel), for machines without Swift or LLVM.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

LIBRARY = "libKernelgenABI.so"
HERE = Path(__file__).resolve().parent
#: The Swift package: beside the Python one in an sdist (swift/), the repository root in a checkout.
ROOT = HERE / "swift" if (HERE / "swift" / "Package.swift").is_file() else HERE.parent
#: What of the repository the Swift build reads (the test targets too: the manifest names them).
SWIFT_PACKAGE = ("Package.swift", "Sources", "Generated", "Tests")
#: The version has one home, the library's `Version.library` (what kg_version() returns); the package, the
#: wheel and CMakeLists.txt read it from there.
VERSION_SOURCE = ROOT / "Sources" / "KernelgenABI" / "Catalog.swift"


def library_version() -> str:
    try:
        found = re.search(r'static let library = "([^"]+)"', VERSION_SOURCE.read_text(encoding="utf-8"))
    except OSError as error:
        raise SystemExit(f"kernelgen: cannot read the version from {VERSION_SOURCE}: {error}; expected the repository checkout")
    if not found:
        raise SystemExit(f"kernelgen: no `static let library = \"...\"` in {VERSION_SOURCE}; expected the library's version there")
    return found.group(1)


def build_library() -> Path:
    if not (ROOT / "Package.swift").is_file():
        raise SystemExit(
            f"kernelgen: building the library needs the Swift package: no Package.swift in {ROOT}; "
            "expected `pip install ./python` run in a clone of kernelgen, or an sdist made by `python -m build --sdist python`"
        )
    swift = os.environ.get("SWIFT") or shutil.which("swift")
    if not swift:
        raise SystemExit(
            "kernelgen: building the library needs Swift 6: `swift` is not on PATH; expected the toolchain's "
            "usr/bin on PATH (e.g. /opt/swift/usr/bin) or SWIFT=/path/to/swift"
        )
    command = [swift, "build", "-c", "release", "--product", "KernelgenABI"]
    print("kernelgen: " + " ".join(command) + f"  (in {ROOT})", flush=True)
    subprocess.run(command, cwd=ROOT, check=True)
    bin_path = subprocess.run(
        [swift, "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    library = Path(bin_path) / LIBRARY
    if not library.is_file():
        raise SystemExit(f"kernelgen: the Swift build succeeded but {library} is missing; expected the KernelgenABI product there")
    return library


class BuildPyWithLibrary(build_py):
    """build_py, then the Swift library into the build folder's kernelgen/."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "kernelgen" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_library(), target)


class SdistWithSwiftPackage(sdist):
    """sdist, plus the Swift package (the files git tracks in SWIFT_PACKAGE) in swift/, links kept as links."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        if ROOT == HERE / "swift":  # an sdist made from an sdist: swift/ is among `files` already
            return
        try:
            listed = subprocess.run(["git", "ls-files", "-z", "--", *SWIFT_PACKAGE], cwd=ROOT, check=True,
                                    capture_output=True).stdout.decode("utf-8").split("\0")
        except (OSError, subprocess.CalledProcessError) as error:
            raise SystemExit(f"kernelgen: the sdist lists the Swift package's files with git in {ROOT}: {error}; "
                             "expected a git checkout of kernelgen") from error
        for name in filter(None, listed):
            source, target = ROOT / name, Path(base_dir) / "swift" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                os.symlink(os.readlink(source), target)
            elif source.is_file():
                shutil.copy2(source, target)


class PlatformWheel(bdist_wheel):
    """The wheel holds a native library for this platform but no Python extension: py3-none-<platform>."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(version=library_version(),
      cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel, "sdist": SdistWithSwiftPackage},
      distclass=BinaryDistribution)
