/* kernelgen's C ABI: the runtime's dispatch table and the JIT behind plain C, for Python (ctypes) and other
   languages. Library: libKernelgenABI.so (`swift build -c release --product KernelgenABI`).

   Thread-safe: every function may be called from any thread, and one handle may run calls on several
   threads at once, also while kg_handle_set_* changes its settings (a call uses the settings of its start).
   Strings passed in are UTF-8 and NUL-terminated. Strings returned through `char **` (messages, JSON, names)
   are owned by the caller and freed with kg_free; on failure nothing is returned but the message.
   Errors: a nonzero kg_status and, when `error` is non-NULL, a message that says what was asked, what is wrong
   and what would be accepted. A successful call leaves `*error` untouched.

   Arrays: `n` elements of the handle's dtype, contiguous: float, double, or the 16-bit patterns of bfloat16 or
   IEEE float16 (as torch.bfloat16 and torch.float16 store them). The half types are computed in float and each
   result rounded once to nearest even (the float kernel's value, rounded); the `y` a backward reads is then float
   (the forward's value before rounding). Pointers may be NULL only when n == 0. Outputs must not overlap inputs
   (checked: KG_ERROR_INVALID_ARGUMENT). */
#ifndef KERNELGEN_ABI_H
#define KERNELGEN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a function is added or a signature or a status code of this header changes (2: kg_torch_source; 5: neuron layers; 7: kg_triton_source;
   9: dtypes "bfloat16" and "float16" in kg_bind and kg_resolve_parameters);
   kg_abi_version() returns the value the library was built with, so a binding can refuse a library it was not
   written for. */
#define KG_ABI_VERSION 9

typedef enum {
    KG_OK = 0,
    KG_ERROR_INVALID_ARGUMENT = 1,     /* a NULL pointer, a bad dtype/backend string, a count too large,
                                          overlapping arrays, a thread count outside 0...256 */
    KG_ERROR_UNKNOWN_SURROGATE = 2,    /* the message lists the known names */
    KG_ERROR_BAD_PARAMETER = 3,        /* unknown name, given twice, out of bounds, not finite in the dtype */
    KG_ERROR_INVALID_SPEC = 4,         /* the message holds every diagnostic, one per line, file:line:column */
    KG_ERROR_NO_KERNEL = 5,            /* no kernels for that backend (e.g. a runtime spec asked for backend c) */
    KG_ERROR_COMPILE_FAILED = 6,       /* the JIT could not compile; the message is the compiler's */
    KG_ERROR_NEEDS_FORWARD_OUTPUT = 7, /* backward of a surrogate that reads y, called with y == NULL */
    KG_ERROR_INTERNAL = 99
} kg_status;

typedef struct kg_handle kg_handle;  /* a surrogate bound to a backend, dtype and parameter values */

/* KG_ABI_VERSION of the library. */
int kg_abi_version(void);
/* The library's version, e.g. "0.1.0" (static storage; do not free). */
const char *kg_version(void);

/* Every surrogate known (built-in and loaded at run time), sorted by name, as a JSON array of objects:
   {"name", "summary", "stochastic": bool, "has_train_forward": bool, "backward_reads_y": bool,
    "has_primitive": bool, "params": [{"name", "default": number, "min": number|null, "max": number|null, "doc",
   "integer": bool (values must be integers)}]} (params in argument order). */
kg_status kg_surrogates_json(char **json, char **error);

/* Loads and checks a spec at run time; the surrogate is then served by backend "jit" (a spec with a built-in
   name but another text replaces the built-in: its "c" and "swift" kernels are then refused).
   On KG_ERROR_INVALID_SPEC the error holds every diagnostic. `file` names the text in diagnostics
   (NULL: "<string>"). `name` (may be NULL) receives the surrogate's name; `warnings` (may be NULL) receives
   the spec's warnings, one per line, file:line:column (an empty string when there are none). */
kg_status kg_load_spec_path(const char *path, char **name, char **warnings, char **error);
kg_status kg_load_spec_text(const char *text, const char *file, char **name, char **warnings, char **error);

/* Binds `name` to backend "c" | "swift" | "jit", dtype "float32" | "float64" | "bfloat16" | "float16" and
   parameter values (`param_count` names and values; the others take their defaults). The half types have C and
   JIT kernels (backend "swift": KG_ERROR_NO_KERNEL). Backend "jit" compiles kernels
   specialised to the values (or takes them from the JIT's memory or disk cache); when it cannot compile and
   the ahead-of-time C kernels were made from the identical spec, those serve instead (kg_handle_json's
   "backend" says "c"). Release the handle with kg_release. */
kg_status kg_bind(const char *name, const char *backend, const char *dtype, const char *const *param_names,
                  const double *param_values, size_t param_count, kg_handle **handle, char **error);
/* NULL is ignored. The handle must not be in use by another call. */
void kg_release(kg_handle *handle);

/* Checks parameter values of surrogate `name` for dtype "float32" | "float64" | "bfloat16" | "float16" (the half
   types' parameters are float32's) exactly as kg_bind does (the
   runtime's one check: known names, bounds, integer parameters, finite in the dtype; KG_ERROR_BAD_PARAMETER or
   KG_ERROR_UNKNOWN_SURROGATE with kg_bind's message) and writes all its values in argument order, defaults filled
   in, to `resolved` (room for `capacity` values; KG_ERROR_INVALID_ARGUMENT when the surrogate has more). For
   callers that compute without a handle, such as Python's PyTorch expression and Triton modules. */
kg_status kg_resolve_parameters(const char *name, const char *dtype, const char *const *param_names,
                                const double *param_values, size_t param_count, double *resolved, size_t capacity,
                                char **error);

/* Eval forward: spikes, y = H(x). */
kg_status kg_forward(const kg_handle *h, const void *x, void *y, size_t n, char **error);
/* Training forward with sampled noise: element i draws at counter offset + i of the Philox stream keyed by
   `seed`, so chunks of one array passed with their offsets equal one call. A surrogate without a training
   forward computes its eval forward. */
kg_status kg_train_forward(const kg_handle *h, const void *x, void *y, size_t n, uint64_t seed, uint64_t offset,
                           char **error);
/* Training forward with every noise source replaced by its mean (mean field). */
kg_status kg_train_forward_mean(const kg_handle *h, const void *x, void *y, size_t n, char **error);
/* The primitive (smooth forward): y = the spec's `primitive`, the function whose derivative is the surrogate
   gradient (SpikingJelly's spiking=False forward); the same in every mode. KG_ERROR_NO_KERNEL when the spec has
   no `primitive` ("has_primitive" false), whatever n is. Added in ABI version 3. */
kg_status kg_primitive(const kg_handle *h, const void *x, void *y, size_t n, char **error);
/* grad_in = grad_out * surrogate gradient; y (the forward output in the same mode; float for the half types) may be
   NULL unless the surrogate's backward reads it ("backward_reads_y"). */
kg_status kg_backward(const kg_handle *h, const void *x, const void *y, const void *grad_out, void *grad_in, size_t n,
                      char **error);
/* The sampling backward of a surrogate whose backward draws noise ("has_train_backward"): element i draws at counter
   offset + i of stream 2 of the Philox generator keyed by `seed` (the training forward draws stream 0), so pass
   the (seed, offset) of the paired kg_train_forward call; chunks with their offsets equal one call. kg_backward is
   then the mean field (every noise source at its mean). A surrogate whose backward draws no noise computes
   kg_backward. Added in ABI version 4. */
kg_status kg_train_backward(const kg_handle *h, const void *x, const void *y, const void *grad_out, void *grad_in,
                            size_t n, uint64_t seed, uint64_t offset, char **error);

/* Threads for one call: 0 = automatic (all cores for arrays of 2^18 elements or more, else one), else that
   many (1...256; arrays are split into chunks of at least 32768 elements). */
kg_status kg_handle_set_threads(kg_handle *h, int threads, char **error);
/* Nonzero: subnormal inputs and results flushed to zero during calls (faster underflowing tails; results
   below the smallest normal number become 0). Zero (the default): IEEE results. */
kg_status kg_handle_set_flush_subnormals(kg_handle *h, int flush, char **error);
/* The handle's facts as JSON: {"name", "backend" (the backend that serves it, after any fallback),
   "requested_backend", "dtype", "params": {name: value}, "stochastic", "has_train_forward",
   "backward_reads_y", "has_primitive", "threads" (0: automatic), "flush_subnormals", "bind_ms" (the time kg_bind took,
   a JIT compile or cache hit included)}. */
kg_status kg_handle_json(const kg_handle *h, char **json, char **error);

/* The PyTorch expression module of surrogate `name` (built in or loaded at run time), the text of
   `kernelgen-tools torch NAME`: Python source that defines forward(x, <params>), backward(x, y, grad_out,
   <params>), train_forward(x, <params>, generator=None) and train_forward_mean(x, <params>) (with a training
   forward), primitive(x, <params>) (with a primitive), NAME and PARAMETERS, computed with torch operations on tensors of any device. */
kg_status kg_torch_source(const char *name, char **source, char **error);

/* The Triton module of surrogate `name` (added in ABI version 7), the text of `kernelgen-tools triton NAME`:
   Python source with one @triton.jit kernel per op and dtype, KERNELS {(op, dtype): kernel}, NAME, PARAMETERS and
   the spec's flags; kernelgen.torch launches it for CUDA tensors (and CPU tensors under TRITON_INTERPRET=1). */
kg_status kg_triton_source(const char *name, char **source, char **error);

/* Neuron layers (added in ABI version 5; the backend of kg_neuron_bind in 6): a neuron spec (a file of Neurons/, or
   one loaded with kg_neuron_load_text) bound to a surrogate, a dtype and a backend: one fused multi-step forward and
   one backward through time, JIT-compiled with the surrogate's parameters folded in, or ahead of time (backend
   "c": the built-in neurons with the built-in surrogates of Specs/, no compiler needed). Arrays are contiguous and time-major: x, spikes, grad_spikes, grad_x [steps, n]; state, grad_state
   [S, n] (S state variables in the spec's order); saved [steps, S, n]; grad_params [L, n] (L learnable
   parameters). `params` are the neuron's P parameter values in the spec's order (doubles; checked against
   their bounds on every call); the surrogate's parameters are fixed at bind time. */
typedef struct kg_neuron kg_neuron;

/* Neuron `neuron`'s time step as Python over torch tensors, for dtype "float32" | "float64": a function
   step(x, state, params, spike) -> (output, state after) that kernelgen.torch runs on other devices than the CPU
   (it needs the `_kg_*` helpers of a surrogate's expression module, kg_torch_source, in its namespace). */
kg_status kg_neuron_torch_source(const char *neuron, const char *dtype, char **source, char **error);
/* Neuron `neuron` bound to surrogate `surrogate` as a Triton module (added in ABI version 7): the fused forward and
   backward through time of kg_neuron_bind's kernels as @triton.jit kernels, float32 and float64, the surrogate's
   parameters (names/values, as kg_neuron_bind takes them) folded in except the `learned` ones (runtime values after
   the neuron's). kernelgen.torch.Neuron launches it for CUDA tensors (and with backend="triton"). */
kg_status kg_neuron_triton_source(const char *neuron, const char *surrogate, const char *const *param_names,
                                  const double *param_values, size_t count, const char *const *learned_names,
                                  size_t learned_count, char **source, char **error);
/* Every neuron known, sorted by name, as JSON: [{"name", "summary", "provenance", "output",
   "params": [{"name", "default", "min", "max", "doc", "learnable"}], "state": [{"name", "doc"}]}]. */
kg_status kg_neurons_json(char **json, char **error);
/* Loads and checks a neuron spec; it is then found by name. `name` (may be NULL) receives its name. */
kg_status kg_neuron_load_text(const char *text, const char *file, char **name, char **error);
/* Binds neuron `neuron` to surrogate `surrogate` (with `param_count` of its parameters; the others take their
   defaults) for dtype "float32" | "float64" and backend "jit" | "c" (NULL: "jit"; "c" serves the built-in neurons
   with the built-in surrogates, unchanged by specs loaded at run time, and learns no surrogate parameter). `learned_names` (`learned_count`, may be 0): surrogate parameters to
   learn: the calls then take them after the neuron's P parameters (params[P + j]) and grad_params has a row for
   each after the neuron's learnable ones (the derivative of the surrogate's primitive with respect to it; a
   surrogate without a primitive is refused). Release with kg_neuron_release. */
kg_status kg_neuron_bind(const char *neuron, const char *surrogate, const char *dtype, const char *backend, const char *const *param_names,
                         const double *param_values, size_t param_count, const char *const *learned_names,
                         size_t learned_count, kg_neuron **handle, char **error);
void kg_neuron_release(kg_neuron *handle);
/* The handle's facts: {"neuron", "surrogate", "dtype", "backend", "stochastic" (training samples: pass sample = 1 with a
   key), "vector_width" (widest vector of the JIT-compiled kernels; 0 for backend c, whose vector width is chosen
   when the library loads among clones for x86-64-v3 and v4), "fingerprint" (of the neuron spec's text), "state_count" (S),
   "param_count" (P plus the learned surrogate parameters), "learnable" (the indices in params of the rows of
   grad_params, in order), "learned" (the learned surrogate parameters: name, default, min, max, doc)}. */
kg_status kg_neuron_json(const kg_neuron *h, char **json, char **error);
/* The state of neuron `neuron` before the first step for these parameter values: S doubles. */
kg_status kg_neuron_initial_state(const char *neuron, const double *params, double *state, char **error);
/* Runs `steps` steps: `state` holds the initial state and receives the final one; `saved` (NULL in inference)
   receives the state before each step, which kg_neuron_backward needs. threads: 0 = all cores, else 1...256.
   sample nonzero (training with a stochastic surrogate): the surrogate's sampled training forward, element (t, i)
   drawing at counter offset + t n + i of the Philox stream keyed by `seed`; zero: the eval forward (seed and
   offset ignored). */
kg_status kg_neuron_forward(const kg_neuron *h, const void *x, const double *params, void *state, void *spikes, void *saved,
                            size_t steps, size_t n, int threads, int sample, uint64_t seed, uint64_t offset, char **error);
/* The backward through time: grad_state holds the gradient of the final state (zeros when unused) and receives
   that of the initial state; grad_x receives the input's; grad_params (zeroed by the caller; NULL when L = 0)
   accumulates per-neuron sums of the learnable parameters' gradients (sum them over n). sample, seed, offset: those
   of the forward (a sampled forward recomputed in the backward draws the same noise; a surrogate whose backward
   samples draws its own stream). */
kg_status kg_neuron_backward(const kg_neuron *h, const void *x, const double *params, const void *saved, const void *grad_spikes,
                             void *grad_state, void *grad_x, void *grad_params, size_t steps, size_t n, int threads, int sample,
                             uint64_t seed, uint64_t offset, char **error);

/* Frees a string returned by this library; NULL is ignored. */
void kg_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
