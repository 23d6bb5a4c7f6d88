import os
import tempfile

# The JIT caches compiled kernels on disk; the tests compile into a fresh folder (and never touch the user's).
os.environ.setdefault("KERNELGEN_CACHE_DIR", tempfile.mkdtemp(prefix="kernelgen-test-cache-"))

# backend="triton" runs in Triton's interpreter on CPU tensors (test_triton.py); it must be set before triton is
# imported. KERNELGEN_TRITON_GPU=1 (a machine with CUDA) runs the same tests compiled on CUDA tensors instead.
if os.environ.get("KERNELGEN_TRITON_GPU") != "1":
    os.environ.setdefault("TRITON_INTERPRET", "1")
