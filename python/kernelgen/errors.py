"""kernelgen's exceptions. Every message says what was asked, what is wrong and what would be accepted."""


class KernelgenError(Exception):
    """Base of the errors the library reports (status codes of kernelgen_abi.h)."""


class SpecError(KernelgenError, ValueError):
    """A spec has errors; the message holds every diagnostic, one per line, as `file:line:column: ...`.

    `diagnostics` is the list of those lines."""

    def __init__(self, message: str):
        super().__init__(message)
        self.diagnostics = [line for line in message.splitlines()[1:] if line.strip()]


class SpecWarning(UserWarning):
    """A spec loaded with warnings (e.g. a backward that does not integrate to about 1)."""


class UnknownSurrogateError(KernelgenError, LookupError):
    """No surrogate of that name; the message lists the known ones."""

    def __str__(self):  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class ParameterError(KernelgenError, ValueError):
    """A parameter is unknown, given twice, out of its bounds or not finite in the dtype."""


class BackendError(KernelgenError, RuntimeError):
    """No kernels for that backend (a runtime spec has only `jit`; a replaced built-in only `jit`)."""


class CompileError(KernelgenError, RuntimeError):
    """The JIT could not compile; the message is the compiler's."""


class ForwardOutputRequired(KernelgenError, ValueError):
    """The surrogate's backward reads y, the forward output, and none was given."""


class InternalError(KernelgenError, RuntimeError):
    """A failure inside the library that is not the caller's (please report it)."""


# kg_status values (kernelgen_abi.h) to exceptions; KG_ERROR_INVALID_ARGUMENT is a ValueError.
BY_STATUS = {
    1: ValueError,
    2: UnknownSurrogateError,
    3: ParameterError,
    4: SpecError,
    5: BackendError,
    6: CompileError,
    7: ForwardOutputRequired,
    99: InternalError,
}
