"""kernelgen's exceptions. Every message says what was asked, what is wrong and what would be accepted."""


def shown(text):
    """`text` as quoted in a message: the characters the library's Swift side writes as `\\u{..}` (VisibleText:
    C0 and C1 controls, DEL, U+2028/U+2029, bidi controls, the BOM) written so here too, for a name the caller gave
    (a parameter key), so a bidi override or control character cannot reorder or break the message."""
    out = []
    for ch in str(text):
        c = ord(ch)
        if c <= 0x1F or 0x7F <= c <= 0x9F or c in (0x2028, 0x2029, 0x061C, 0x200E, 0x200F, 0xFEFF) \
                or 0x202A <= c <= 0x202E or 0x2066 <= c <= 0x2069:
            out.append("\\u{%02X}" % c)
        else:
            out.append(ch)
    return "".join(out)


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


class UnknownNeuronError(KernelgenError, LookupError):
    """No neuron spec of that name (built in or loaded with `kernelgen.torch.load_neuron`); the message lists the known ones."""

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
