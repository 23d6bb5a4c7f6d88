"""Checks of the arrays passed to `Surrogate`: the right type, dtype, shape and layout, or a clear error."""
import numpy as np


def input_array(array, name: str, dtype: np.dtype, shape=None) -> None:
    """An ndarray of `dtype`, C-contiguous, of `shape` when given (no copy is ever made)."""
    spelled = f"{'ml_dtypes' if dtype.name == 'bfloat16' else 'numpy'}.{dtype.name}"  # NumPy has no bfloat16
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"{name} is a {type(array).__name__}; expected a numpy.ndarray of {dtype.name} "
            f"(e.g. numpy.asarray({name}, dtype={spelled}))"
        )
    if array.dtype is not dtype and array.dtype != dtype:
        other = array.dtype.isnative and array.dtype in (np.float32, np.float64, np.float16)
        rebind = f', or use a Surrogate bound with dtype="{array.dtype.name}"' if other else ""
        raise TypeError(
            f"{name} has dtype {array.dtype.str} ({array.dtype}); expected {dtype.name}, the surrogate's dtype: "
            f"convert with {name}.astype({spelled}) (a copy){rebind}"
        )
    if not array.flags.c_contiguous:
        raise ValueError(
            f"{name} is not C-contiguous (shape {array.shape}, strides {array.strides}); expected a C-contiguous "
            f"array: pass numpy.ascontiguousarray({name}) (a copy)"
        )
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} has shape {array.shape}; expected {shape}, the shape of x (no broadcasting)")


def output_array(out, name: str, dtype: np.dtype, shape) -> np.ndarray:
    """`out` checked (ndarray of `dtype` and `shape`, C-contiguous, writeable), or a new array when None."""
    if out is None:
        return np.empty(shape, dtype)
    input_array(out, name, dtype, shape)
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; expected a writeable array (or {name}=None for a new one)")
    return out
