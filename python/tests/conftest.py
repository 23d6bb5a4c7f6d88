import os
import tempfile

# The JIT caches compiled kernels on disk; the tests compile into a fresh folder (and never touch the user's).
os.environ.setdefault("KERNELGEN_CACHE_DIR", tempfile.mkdtemp(prefix="kernelgen-test-cache-"))
