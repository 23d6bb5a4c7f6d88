/* A C client of kernelgen_abi.h: binds sigmoid (float32, backends c and jit), runs forward and backward on a
   few values and checks them against the formula computed here in double; then error paths. Exit status 0
   when every check holds; each failure prints one line. Built and run by scripts/test-abi-c.sh. */
#include "kernelgen_abi.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        if (!(cond)) {                                                   \
            failures++;                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);         \
            fprintf(stderr, __VA_ARGS__);                                \
            fputc('\n', stderr);                                         \
        }                                                                \
    } while (0)

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* The seed's sigmoid surrogate: H(x) forward, scale * s * (1 - s) with s = sigmoid(scale * x) backward. */
static void check_sigmoid(const char *backend) {
    const double scale = 4.0;
    const char *names[] = {"scale"};
    const double values[] = {scale};
    kg_handle *h = NULL;
    char *error = NULL;
    kg_status st = kg_bind("sigmoid", backend, "float32", names, values, 1, &h, &error);
    CHECK(st == KG_OK && h != NULL, "bind sigmoid %s: status %d: %s", backend, st, error ? error : "");
    kg_free(error);
    if (st != KG_OK) return;

    enum { N = 7 };
    const float x[N] = {-3.0f, -0.5f, -0.0f, 0.0f, 0.25f, 1.0f, 6.0f};
    const float g[N] = {1.0f, 2.0f, 1.0f, 0.5f, 1.0f, -1.0f, 3.0f};
    float y[N], gi[N];
    st = kg_forward(h, x, y, N, NULL);
    CHECK(st == KG_OK, "forward %s: status %d", backend, st);
    st = kg_backward(h, x, NULL, g, gi, N, NULL);
    CHECK(st == KG_OK, "backward %s: status %d", backend, st);
    for (int i = 0; i < N; i++) {
        double spike = x[i] >= 0 ? 1.0 : 0.0; /* H(-0) = 1 */
        double s = sigmoid(scale * (double)x[i]);
        double expected = (double)g[i] * scale * s * (1.0 - s);
        CHECK(y[i] == (float)spike, "%s forward(%g) = %g, expected %g", backend, x[i], y[i], spike);
        CHECK(fabs(gi[i] - expected) <= 1e-6 * fabs(expected) + 1e-12, "%s backward(%g) = %.9g, expected %.9g",
              backend, x[i], gi[i], expected);
    }

    char *json = NULL;
    st = kg_handle_json(h, &json, NULL);
    CHECK(st == KG_OK && json && strstr(json, "\"dtype\":\"float32\"") && strstr(json, "\"scale\":4"),
          "handle json %s: %s", backend, json ? json : "(null)");
    kg_free(json);
    kg_release(h);
}

static void check_errors(void) {
    kg_handle *h = NULL;
    char *error = NULL;

    /* finite in double, infinite in float32 */
    const char *names[] = {"scale"};
    const double huge[] = {1e39};
    kg_status st = kg_bind("sigmoid", "c", "float32", names, huge, 1, &h, &error);
    CHECK(st == KG_ERROR_BAD_PARAMETER && error && strstr(error, "`scale`") && strstr(error, "f32"),
          "bind scale=1e39 float32: status %d, message %s", st, error ? error : "(null)");
    CHECK(h == NULL, "a failed bind returned a handle");
    kg_free(error);
    error = NULL;

    st = kg_bind("sigmoidd", "c", "float32", NULL, NULL, 0, &h, &error);
    CHECK(st == KG_ERROR_UNKNOWN_SURROGATE && error && strstr(error, "did you mean `sigmoid`"),
          "unknown surrogate: status %d, message %s", st, error ? error : "(null)");
    kg_free(error);
    error = NULL;

    st = kg_bind("sigmoid", "cuda", "float32", NULL, NULL, 0, &h, &error);
    CHECK(st == KG_ERROR_INVALID_ARGUMENT && error && strstr(error, "c, swift, jit"),
          "bad backend: status %d, message %s", st, error ? error : "(null)");
    kg_free(error);
    error = NULL;

    /* the noisy threshold's backward reads y */
    st = kg_bind("noisy_threshold", "c", "float64", NULL, NULL, 0, &h, NULL);
    CHECK(st == KG_OK, "bind noisy_threshold: status %d", st);
    if (st == KG_OK) {
        double x[2] = {0.5, -0.5}, g[2] = {1, 1}, gi[2];
        st = kg_backward(h, x, NULL, g, gi, 2, &error);
        CHECK(st == KG_ERROR_NEEDS_FORWARD_OUTPUT && error && strstr(error, "pass y"),
              "backward without y: status %d, message %s", st, error ? error : "(null)");
        kg_free(error);
        error = NULL;
        /* n == 0: every pointer may be NULL, y included (nothing is read) */
        st = kg_backward(h, NULL, NULL, NULL, NULL, 0, &error);
        CHECK(st == KG_OK, "empty backward without y: status %d, message %s", st, error ? error : "(null)");
        kg_free(error);
        error = NULL;
        st = kg_forward(h, x, x, 2, &error); /* in place: outputs must not overlap inputs */
        CHECK(st == KG_ERROR_INVALID_ARGUMENT && error && strstr(error, "overlaps"),
              "in-place forward: status %d, message %s", st, error ? error : "(null)");
        kg_free(error);
        error = NULL;
        kg_release(h);
    }

    /* a spec with an error: located diagnostics */
    st = kg_load_spec_text("name: demo\nsummary: s\nparams:\n  scale: {default: 1}\nbackward: scael * x\n", "demo.yaml",
                           NULL, NULL, &error);
    CHECK(st == KG_ERROR_INVALID_SPEC && error && strstr(error, "demo.yaml:5:11") && strstr(error, "scale"),
          "bad spec: status %d, message %s", st, error ? error : "(null)");
    kg_free(error);
}

/* kg_torch_source: the module text of a built-in and of a spec loaded at run time; errors for unknown names. */
static void check_torch_source(void) {
    char *source = NULL, *error = NULL;
    kg_status st = kg_torch_source("sigmoid", &source, &error);
    CHECK(st == KG_OK && source && strstr(source, "def backward(x, y, grad_out, p_scale):") &&
              strstr(source, "NAME = \"sigmoid\""),
          "torch source of sigmoid: status %d, %s", st, source ? source : (error ? error : "(null)"));
    kg_free(source);
    source = NULL;
    st = kg_load_spec_text("name: torchdemo\nsummary: s\nparams:\n  width: {default: 0.5, min: 0.01}\n"
                           "forward: heaviside(x)\nbackward: exp(-abs(x) / width) / (2 * width)\n",
                           "torchdemo.yaml", NULL, NULL, &error);
    CHECK(st == KG_OK, "load torchdemo: status %d, %s", st, error ? error : "(null)");
    st = kg_torch_source("torchdemo", &source, &error);
    CHECK(st == KG_OK && source && strstr(source, "def forward(x, p_width):") && strstr(source, "torch.exp"),
          "torch source of torchdemo: status %d, %s", st, source ? source : (error ? error : "(null)"));
    kg_free(source);
    source = NULL;
    st = kg_torch_source("sigmiod", &source, &error);
    CHECK(st == KG_ERROR_UNKNOWN_SURROGATE && !source && error && strstr(error, "sigmoid"),
          "unknown name: status %d, %s", st, error ? error : "(null)");
    kg_free(error);
    error = NULL;
    st = kg_torch_source(NULL, &source, &error);
    CHECK(st == KG_ERROR_INVALID_ARGUMENT && error && strstr(error, "name is NULL"), "NULL name: status %d", st);
    kg_free(error);
    error = NULL;
    st = kg_torch_source("sigmoid", NULL, &error);
    CHECK(st == KG_ERROR_INVALID_ARGUMENT && error && strstr(error, "source is NULL"), "NULL source: status %d", st);
    kg_free(error);
}

/* kg_primitive (ABI 3): the sigmoid's primitive sigmoid(scale x) against libm; a primitive-only spec loaded at run
   time (its backward derived: scale * sigmoid'(scale x)); a surrogate without a primitive refused with its name. */
static void check_primitive(void) {
    char *error = NULL;
    kg_handle *h = NULL;
    const char *names[] = {"scale"};
    const double values[] = {4.0};
    kg_status st = kg_bind("sigmoid", "c", "float64", names, values, 1, &h, &error);
    CHECK(st == KG_OK, "bind sigmoid: %s", error ? error : "(null)");
    double x[5] = {-2.0, -0.25, 0.0, 0.5, 3.0}, y[5], g[5], ones[5] = {1, 1, 1, 1, 1};
    st = kg_primitive(h, x, y, 5, &error);
    CHECK(st == KG_OK, "kg_primitive: status %d, %s", st, error ? error : "(null)");
    for (int i = 0; i < 5; ++i) {
        double want = 1.0 / (1.0 + exp(-4.0 * x[i]));
        CHECK(fabs(y[i] - want) <= 1e-15, "sigmoid primitive at %g: %.17g, expected %.17g", x[i], y[i], want);
    }
    kg_release(h);
    h = NULL;
    st = kg_load_spec_text("name: prim_only\nsummary: s\nparams:\n  scale: {default: 4}\nprimitive: sigmoid(scale * x)\n",
                           "prim_only.yaml", NULL, NULL, &error);
    CHECK(st == KG_OK, "load prim_only: status %d, %s", st, error ? error : "(null)");
    st = kg_bind("prim_only", "jit", "float64", NULL, NULL, 0, &h, &error);
    CHECK(st == KG_OK, "bind prim_only: %s", error ? error : "(null)");
    st = kg_primitive(h, x, y, 5, &error);
    CHECK(st == KG_OK, "kg_primitive prim_only: status %d", st);
    st = kg_backward(h, x, NULL, ones, g, 5, &error);
    CHECK(st == KG_OK, "kg_backward prim_only: status %d", st);
    for (int i = 0; i < 5; ++i) {
        double s = 1.0 / (1.0 + exp(-4.0 * x[i]));
        CHECK(fabs(y[i] - s) <= 1e-15, "prim_only primitive at %g: %.17g, expected %.17g", x[i], y[i], s);
        CHECK(fabs(g[i] - 4.0 * s * (1.0 - s)) <= 1e-15, "prim_only derived backward at %g: %.17g, expected %.17g", x[i], g[i],
              4.0 * s * (1.0 - s));
    }
    char *facts = NULL;
    CHECK(kg_handle_json(h, &facts, NULL) == KG_OK && facts && strstr(facts, "\"has_primitive\":true"), "facts: %s",
          facts ? facts : "(null)");
    kg_free(facts);
    kg_release(h);
    h = NULL;
    /* no primitive: refused, even for n == 0 */
    st = kg_load_spec_text("name: no_prim\nsummary: s\nbackward: exp(-abs(x)) / 2\n", "no_prim.yaml", NULL, NULL, &error);
    CHECK(st == KG_OK, "load no_prim: status %d", st);
    st = kg_bind("no_prim", "jit", "float32", NULL, NULL, 0, &h, &error);
    CHECK(st == KG_OK, "bind no_prim: %s", error ? error : "(null)");
    float xf[1] = {0}, yf[1];
    st = kg_primitive(h, xf, yf, 0, &error);
    CHECK(st == KG_ERROR_NO_KERNEL && error && strstr(error, "`no_prim` has no primitive"), "no primitive: status %d, %s", st,
          error ? error : "(null)");
    kg_free(error);
    kg_release(h);
}

/* noisy_gradient's backward draws noise (ABI 4): kg_train_backward samples, keyed by (seed, offset) like
   kg_train_forward; at x = 0 with jitter 1 the gradient is 2u, u in [0, 1); kg_backward is the mean field, 1. */
static void check_train_backward(void) {
    char *error = NULL;
    kg_handle *h = NULL;
    const char *names[] = {"jitter"};
    const double values[] = {1.0};
    kg_status st = kg_bind("noisy_gradient", "c", "float64", names, values, 1, &h, &error);
    CHECK(st == KG_OK, "bind noisy_gradient: %s", error ? error : "(null)");
    enum { N = 64 };
    double x[N] = {0}, ones[N], g[N], parts[N], other[N], mean[N];
    for (int i = 0; i < N; ++i) ones[i] = 1;
    st = kg_train_backward(h, x, NULL, ones, g, N, 11, 5, &error);
    CHECK(st == KG_OK, "kg_train_backward: status %d, %s", st, error ? error : "(null)");
    CHECK(kg_train_backward(h, x, NULL, ones, parts, 10, 11, 5, NULL) == KG_OK
              && kg_train_backward(h, x + 10, NULL, ones, parts + 10, N - 10, 11, 15, NULL) == KG_OK,
          "chunked kg_train_backward failed");
    CHECK(kg_train_backward(h, x, NULL, ones, other, N, 12, 5, NULL) == KG_OK, "kg_train_backward seed 12 failed");
    CHECK(kg_backward(h, x, NULL, ones, mean, N, NULL) == KG_OK, "kg_backward noisy_gradient failed");
    int distinct = 0, same_as_other = 0;
    for (int i = 0; i < N; ++i) {
        CHECK(g[i] >= 0 && g[i] < 2, "sampled gradient %d: %.17g, expected 2u in [0, 2)", i, g[i]);
        CHECK(parts[i] == g[i], "chunk at %d: %.17g, one call %.17g", i, parts[i], g[i]);
        CHECK(mean[i] == 1, "mean-field backward at %d: %.17g, expected 1", i, mean[i]);
        distinct += i > 0 && g[i] != g[i - 1];
        same_as_other += other[i] == g[i];
    }
    CHECK(distinct == N - 1 && same_as_other == 0, "noise: %d distinct neighbours, %d equal across seeds", distinct, same_as_other);
    char *facts = NULL;
    CHECK(kg_handle_json(h, &facts, NULL) == KG_OK && facts && strstr(facts, "\"has_train_backward\":true"), "facts: %s",
          facts ? facts : "(null)");
    kg_free(facts);
    kg_release(h);
}

/* Neuron layers (ABI 5; backends since 6): SpikingJelly's LIF with the sigmoid surrogate, float64, T = 6 steps of
   N = 3 neurons, against the model and its backward through time written out here (the reset's factors by the
   product rule), JIT-compiled and ahead of time. */
static void check_neuron(const char *backend) {
    const char *names[] = {"scale"};
    const double values[] = {4.0};
    kg_neuron *h = NULL;
    char *error = NULL;
    kg_status st = kg_neuron_bind("lif", "sigmoid", "float64", backend, names, values, 1, NULL, 0, &h, &error);
    CHECK(st == KG_OK && h != NULL, "bind lif (%s): status %d: %s", backend, st, error ? error : "");
    kg_free(error);
    if (st != KG_OK) return;
    enum { T = 6, N = 3 };
    const double params[3] = {2.0, 1.0, 0.0}; /* tau, v_threshold, v_reset */
    double state0[N];
    CHECK(kg_neuron_initial_state("lif", params, state0, NULL) == KG_OK && state0[0] == 0.0, "initial state");
    double x[T * N], gs[T * N], state[N], spikes[T * N], saved[T * N], gstate[N] = {0.5, -1.0, 0.25}, gx[T * N];
    for (int i = 0; i < T * N; i++) { x[i] = 0.9 * sin(1.7 * i) + 0.8; gs[i] = cos(0.3 * i); }
    for (int i = 0; i < N; i++) state[i] = 0.0;
    double gfinal[N];
    memcpy(gfinal, gstate, sizeof gstate);
    st = kg_neuron_forward(h, x, params, state, spikes, saved, T, N, 1, 0, 0, 0, &error);
    CHECK(st == KG_OK, "neuron forward: %s", error ? error : "");
    kg_free(error);
    error = NULL;
    st = kg_neuron_backward(h, x, params, saved, gs, gstate, gx, NULL, T, N, 1, 0, 0, 0, &error);
    CHECK(st == KG_OK, "neuron backward: %s", error ? error : "");
    kg_free(error);
    for (int i = 0; i < N; i++) {
        double v = 0.0, vs[T];
        for (int t = 0; t < T; t++) {
            vs[t] = v;
            double h_ = v + (x[t * N + i] - v) / 2.0, s = h_ - 1.0 >= 0 ? 1.0 : 0.0;
            CHECK(spikes[t * N + i] == s, "spike t=%d i=%d: %g, expected %g", t, i, spikes[t * N + i], s);
            v = (1 - s) * h_;
        }
        CHECK(fabs(state[i] - v) <= 1e-15, "final v %d: %.17g vs %.17g", i, state[i], v);
        double gv = gfinal[i];
        for (int t = T - 1; t >= 0; t--) {
            double h_ = vs[t] + (x[t * N + i] - vs[t]) / 2.0, s = h_ - 1.0 >= 0 ? 1.0 : 0.0;
            double sg = 4.0 * sigmoid(4.0 * (h_ - 1.0)) * (1 - sigmoid(4.0 * (h_ - 1.0)));
            double a_h = gv * (1 - s) + (gs[t * N + i] - gv * h_) * sg;
            CHECK(fabs(gx[t * N + i] - a_h / 2.0) <= 1e-13, "grad x t=%d i=%d: %.17g vs %.17g", t, i, gx[t * N + i], a_h / 2.0);
            gv = a_h * 0.5;
        }
        CHECK(fabs(gstate[i] - gv) <= 1e-13, "grad v0 %d: %.17g vs %.17g", i, gstate[i], gv);
    }
    const double bad[3] = {0.5, 1.0, 0.0};
    error = NULL;
    CHECK(kg_neuron_forward(h, x, bad, state, spikes, NULL, T, N, 1, 0, 0, 0, &error) == KG_ERROR_BAD_PARAMETER && error &&
              strstr(error, "`tau`"), "tau out of bounds: %s", error ? error : "(null)");
    kg_free(error);
    char *facts = NULL;
    CHECK(kg_neuron_json(h, &facts, NULL) == KG_OK && facts && strstr(facts, backend) && strstr(facts, "\"backend\""),
          "neuron json (%s): %s", backend, facts ? facts : "(null)");
    kg_free(facts);
    kg_neuron_release(h);
    char *json = NULL;
    CHECK(kg_neurons_json(&json, NULL) == KG_OK && json && strstr(json, "\"name\":\"plif\""), "neurons json");
    kg_free(json);
}

/* Backend c serves the built-in pairs only and learns no surrogate parameter; an unknown backend is named. */
static void check_neuron_errors(void) {
    kg_neuron *h = NULL;
    char *error = NULL;
    CHECK(kg_neuron_bind("lif", "snntorch_atan", "float32", "c", NULL, NULL, 0, NULL, 0, &h, &error) == KG_ERROR_NO_KERNEL &&
              error && strstr(error, "available backends"), "catalogue surrogate on backend c: %s", error ? error : "(null)");
    kg_free(error);
    error = NULL;
    const char *learned[] = {"scale"};
    CHECK(kg_neuron_bind("lif", "sigmoid", "float32", "c", NULL, NULL, 0, learned, 1, &h, &error) == KG_ERROR_INVALID_ARGUMENT &&
              error && strstr(error, "backend jit"), "learned on backend c: %s", error ? error : "(null)");
    kg_free(error);
    error = NULL;
    CHECK(kg_neuron_bind("lif", "sigmoid", "float32", "cuda", NULL, NULL, 0, NULL, 0, &h, &error) == KG_ERROR_INVALID_ARGUMENT &&
              error && strstr(error, "jit, c"), "unknown backend: %s", error ? error : "(null)");
    kg_free(error);
}

/* The half types' bit patterns, decoded here (exact): bfloat16 is float's upper half; float16 by its fields. */
static double bf16_value(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double f16_value(uint16_t h) {
    int exponent = (h >> 10) & 0x1F, fraction = h & 0x3FF;
    double magnitude = exponent == 0 ? ldexp(fraction, -24) : exponent == 31 ? (fraction ? NAN : INFINITY)
                                                             : ldexp(1024 + fraction, exponent - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
}

/* bfloat16 and float16 (ABI 9): sigmoid's backward on values each type holds exactly, within one ulp of the type of
   the double formula (the kernels compute in float and round once); the forward's spikes exact; backward "swift" has
   no half-type kernels. */
static void check_half(const char *backend) {
    const double scale = 4.0;
    const char *names[] = {"scale"};
    const double values[] = {scale};
    const char *dtypes[] = {"bfloat16", "float16"};
    enum { N = 7 };
    /* -3, -0.5, -0, 0, 0.25, 1, 6 and the gradients 1, 2, 1, 0.5, 1, -1, 3 in each type. */
    const uint16_t xs[2][N] = {{0xC040, 0xBF00, 0x8000, 0x0000, 0x3E80, 0x3F80, 0x40C0},
                               {0xC200, 0xB800, 0x8000, 0x0000, 0x3400, 0x3C00, 0x4600}};
    const uint16_t gs[2][N] = {{0x3F80, 0x4000, 0x3F80, 0x3F00, 0x3F80, 0xBF80, 0x4040},
                               {0x3C00, 0x4000, 0x3C00, 0x3800, 0x3C00, 0xBC00, 0x4200}};
    for (int t = 0; t < 2; t++) {
        double (*value)(uint16_t) = t == 0 ? bf16_value : f16_value;
        const int fraction_bits = t == 0 ? 7 : 10;
        kg_handle *h = NULL;
        char *error = NULL;
        kg_status st = kg_bind("sigmoid", backend, dtypes[t], names, values, 1, &h, &error);
        CHECK(st == KG_OK && h != NULL, "bind sigmoid %s %s: status %d: %s", backend, dtypes[t], st, error ? error : "");
        kg_free(error);
        if (st != KG_OK) continue;
        uint16_t y[N], gi[N];
        CHECK(kg_forward(h, xs[t], y, N, NULL) == KG_OK, "forward %s %s", backend, dtypes[t]);
        CHECK(kg_backward(h, xs[t], NULL, gs[t], gi, N, NULL) == KG_OK, "backward %s %s", backend, dtypes[t]);
        for (int i = 0; i < N; i++) {
            double x = value(xs[t][i]), g = value(gs[t][i]);
            double spike = x >= 0 ? 1.0 : 0.0; /* H(-0) = 1 */
            double s = sigmoid(scale * x);
            double expected = g * scale * s * (1.0 - s);
            int exponent;
            frexp(expected, &exponent);
            /* The type's spacing at `expected`: subnormals have the smallest one (2^-133 bfloat16, 2^-24 float16). */
            double ulp = fmax(ldexp(1.0, exponent - 1 - fraction_bits), t == 0 ? ldexp(1.0, -133) : ldexp(1.0, -24));
            CHECK(value(y[i]) == spike, "%s %s forward(%g) = %g, expected %g", backend, dtypes[t], x, value(y[i]), spike);
            CHECK(fabs(value(gi[i]) - expected) <= ulp, "%s %s backward(%g) = %.9g, expected %.9g within %g", backend,
                  dtypes[t], x, value(gi[i]), expected, ulp);
        }
        char *json = NULL;
        char wanted[32];
        snprintf(wanted, sizeof wanted, "\"dtype\":\"%s\"", dtypes[t]);
        CHECK(kg_handle_json(h, &json, NULL) == KG_OK && json && strstr(json, wanted), "handle json %s %s: %s", backend,
              dtypes[t], json ? json : "(null)");
        kg_free(json);
        kg_release(h);
    }
    kg_handle *h = NULL;
    char *error = NULL;
    CHECK(kg_bind("sigmoid", "swift", "bfloat16", NULL, NULL, 0, &h, &error) == KG_ERROR_NO_KERNEL && error &&
              strstr(error, "jit"), "bfloat16 on backend swift: %s", error ? error : "(null)");
    kg_free(error);
}

int main(void) {
    CHECK(kg_abi_version() == KG_ABI_VERSION, "library ABI %d, header %d", kg_abi_version(), KG_ABI_VERSION);
    CHECK(strlen(kg_version()) > 0, "empty version");
    char *json = NULL;
    CHECK(kg_surrogates_json(&json, NULL) == KG_OK && json && strstr(json, "\"name\":\"sigmoid\""), "surrogates json: %s",
          json ? json : "(null)");
    kg_free(json);
    check_sigmoid("c");
    check_sigmoid("jit");
    check_half("c");
    check_half("jit");
    check_errors();
    check_torch_source();
    check_primitive();
    check_train_backward();
    check_neuron("jit");
    check_neuron("c");
    check_neuron_errors();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("abi_client: all checks passed\n");
    return 0;
}
