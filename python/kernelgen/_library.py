"""Finds and loads libKernelgenABI.so with ctypes and declares kernelgen_abi.h's functions."""
import ctypes
import os
from pathlib import Path

import numpy as np

from .errors import BY_STATUS, InternalError

LIBRARY = "libKernelgenABI.so"
#: KG_ABI_VERSION of the header these bindings were written for.
ABI_VERSION = 9


def library_path() -> Path:
    """KERNELGEN_LIBRARY when set (a development build, no reinstall), else the copy installed in the package."""
    override = os.environ.get("KERNELGEN_LIBRARY")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ImportError(
                f"KERNELGEN_LIBRARY={override} is not a file; expected the path of {LIBRARY} "
                "(e.g. .build/release/libKernelgenABI.so after `swift build -c release --product KernelgenABI`)"
            )
        return path
    path = Path(__file__).with_name(LIBRARY)
    if not path.is_file():
        raise ImportError(
            f"kernelgen's library {LIBRARY} is not in {path.parent}; expected `pip install ./python` from the "
            "repository (it builds the library with Swift), or KERNELGEN_LIBRARY=/path/to/libKernelgenABI.so"
        )
    return path


def _load(path: Path) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as error:
        raise ImportError(
            f"could not load {path}: {error}; a library built by `pip install ./python` needs the Swift runtime of "
            "the toolchain it was built with (its RUNPATH) and libLLVM-14/libclang-cpp14 (scripts/install-deps.sh); "
            "the wheel of scripts/build-wheel.sh carries them"
        ) from error
    vp, sz, st, out = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)
    signatures = {
        "kg_abi_version": ([], ctypes.c_int),
        "kg_version": ([], ctypes.c_char_p),
        "kg_free": ([vp], None),
        "kg_surrogates_json": ([out, out], st),
        "kg_load_spec_path": ([ctypes.c_char_p, out, out, out], st),
        "kg_load_spec_text": ([ctypes.c_char_p, ctypes.c_char_p, out, out, out], st),
        "kg_bind": (
            [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
             ctypes.POINTER(ctypes.c_double), sz, out, out],
            st,
        ),
        "kg_release": ([vp], None),
        "kg_resolve_parameters": (
            [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_double), sz,
             ctypes.POINTER(ctypes.c_double), sz, out],
            st,
        ),
        "kg_forward": ([vp, vp, vp, sz, vp], st),
        "kg_train_forward": ([vp, vp, vp, sz, ctypes.c_uint64, ctypes.c_uint64, vp], st),
        "kg_train_forward_mean": ([vp, vp, vp, sz, vp], st),
        "kg_backward": ([vp, vp, vp, vp, vp, sz, vp], st),
        "kg_train_backward": ([vp, vp, vp, vp, vp, sz, ctypes.c_uint64, ctypes.c_uint64, vp], st),
        "kg_primitive": ([vp, vp, vp, sz, vp], st),
        "kg_handle_set_threads": ([vp, ctypes.c_int, out], st),
        "kg_handle_set_flush_subnormals": ([vp, ctypes.c_int, out], st),
        "kg_handle_json": ([vp, out, out], st),
        "kg_torch_source": ([ctypes.c_char_p, out, out], st),
        "kg_triton_source": ([ctypes.c_char_p, out, out], st),
        "kg_neurons_json": ([out, out], st),
        "kg_neuron_load_text": ([ctypes.c_char_p, ctypes.c_char_p, out, out], st),
        "kg_neuron_bind": (
            [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
             ctypes.POINTER(ctypes.c_double), sz, ctypes.POINTER(ctypes.c_char_p), sz, out, out],
            st,
        ),
        "kg_neuron_release": ([vp], None),
        "kg_neuron_json": ([vp, out, out], st),
        "kg_neuron_torch_source": ([ctypes.c_char_p, ctypes.c_char_p, out, out], st),
        "kg_neuron_triton_source": ([ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_double),
                                     ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, out, out], st),
        "kg_neuron_initial_state": ([ctypes.c_char_p, vp, vp, out], st),
        "kg_neuron_forward": ([vp, vp, vp, vp, vp, vp, sz, sz, ctypes.c_int, ctypes.c_int, ctypes.c_uint64, ctypes.c_uint64, out],
                              st),
        "kg_neuron_backward": ([vp, vp, vp, vp, vp, vp, vp, vp, sz, sz, ctypes.c_int, ctypes.c_int, ctypes.c_uint64,
                                ctypes.c_uint64, out], st),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype
    found = lib.kg_abi_version()
    if found != ABI_VERSION:
        raise ImportError(
            f"{path} implements kernelgen's C ABI version {found}; this package needs version {ABI_VERSION}: "
            "rebuild it from the same checkout (`pip install ./python`) or point KERNELGEN_LIBRARY at a matching build"
        )
    return lib


lib = _load(library_path())


def take_string(pointer: ctypes.c_void_p) -> str:
    """The text of a string the library returned, freed."""
    if not pointer.value:
        return ""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.kg_free(pointer)


def check(status: int, error: ctypes.c_void_p) -> None:
    """Raises the exception of a nonzero kg_status with the library's message."""
    if status == 0:
        return
    message = take_string(error) or f"kernelgen call failed with status {status} and no message"
    raise BY_STATUS.get(status, InternalError)(message)


def _data_pointer_reader():
    """A fast reader of an ndarray's data pointer: `arr.ctypes.data` costs 1.5-3 us per call here, too much for a
    5 us call budget. NumPy's array object holds the pointer right after the object header (PyArrayObject's
    `data`); the offset is found and verified on arrays with known pointers, else `arr.ctypes.data` serves."""
    base = np.arange(64, dtype=np.float64)
    samples = [base, base[3:], base[5:9].reshape(2, 2), np.empty(0, dtype=np.float32), np.zeros((), dtype=np.float32)]
    from_address = ctypes.c_void_p.from_address
    for offset in (16, 24, 32):
        if all(from_address(id(a) + offset).value == a.ctypes.data for a in samples):
            def read(array, _from_address=from_address, _offset=offset):
                return _from_address(id(array) + _offset).value
            return read
    return lambda array: array.ctypes.data


data_pointer = _data_pointer_reader()
