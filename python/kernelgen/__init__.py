"""kernelgen: surrogate-gradient spike functions for spiking neural networks, from kernelgen's specs.

    import numpy as np, kernelgen
    s = kernelgen.Surrogate("sigmoid", scale=4.0)                 # backend "c", dtype float32
    y = s.forward(np.linspace(-1, 1, 5, dtype=np.float32))          # spikes
    g = s.backward(x, grad_out)                                     # grad_out * surrogate gradient

See `surrogates()`, `load_spec()`, `Surrogate` and `torch_source()`; PyTorch autograd functions and modules (a
drop-in for SpikeDE's `spikeDE.surrogate`) are in `kernelgen.torch`, the only module that imports torch. The native library is libKernelgenABI.so, installed in this
package by `pip install ./python` (or given by KERNELGEN_LIBRARY=/path/to/libKernelgenABI.so).
"""
from . import _library
from ._specs import Parameter, SurrogateInfo, load_spec, neuron_triton_source, surrogates, torch_source, triton_source
from .errors import (
    BackendError,
    CompileError,
    ForwardOutputRequired,
    InternalError,
    KernelgenError,
    ParameterError,
    SpecError,
    SpecWarning,
    UnknownNeuronError,
    UnknownSurrogateError,
)
from .surrogate import Surrogate

def library_version() -> str:
    """The version of the loaded libKernelgenABI.so."""
    return _library.lib.kg_version().decode()


#: The library's version (one home: Version.library in Sources/KernelgenABI/Catalog.swift; the installed package's
#: metadata is made from it).
__version__ = library_version()


def library_path() -> str:
    """Where the loaded libKernelgenABI.so is."""
    return str(_library.library_path())


__all__ = [
    "BackendError", "CompileError", "ForwardOutputRequired", "InternalError", "KernelgenError", "Parameter",
    "ParameterError", "SpecError", "SpecWarning", "Surrogate", "SurrogateInfo", "UnknownNeuronError", "UnknownSurrogateError",
    "library_path", "library_version", "load_spec", "neuron_triton_source", "surrogates", "torch_source", "triton_source",
]
