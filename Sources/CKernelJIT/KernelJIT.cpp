// clang 14 + LLVM 14 ORC behind the C interface of include/KernelJIT.h. See ../../README.md (JIT) and
// the facts this follows: cc1 arguments built directly (no driver, no math-errno), host CPU features passed
// explicitly (LLVM 14 may not know the CPU by name), one JITDylib per compiled object with the process's
// symbols searchable (else "Failed to materialize symbols").
#include "KernelJIT.h"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <clang/Lex/PreprocessorOptions.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/Triple.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

char *copy(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = 0;
    return out;
}

void fail(char **error, const std::string &text) {
    if (error) *error = copy(text);
}

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

void initialiseOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        llvm::InitializeNativeTarget();
        llvm::InitializeNativeTargetAsmPrinter();
        llvm::InitializeNativeTargetAsmParser();
        // No second, narrower vector loop after the main one (see kgjit_optimize). LLVM 14 has this only as a
        // process-wide command-line option. Set through the option registry, not ParseCommandLineOptions: a second
        // copy of this library in the process (two installed versions) shares libLLVM and its options, and a second
        // parse of the same option exits the process ("may only occur zero or one times"); setting a value twice is
        // harmless. The option is LoopVectorize.cpp's `cl::opt<bool> EnableEpilogueVectorization`.
        auto &options = llvm::cl::getRegisteredOptions();
        auto found = options.find("enable-epilogue-vectorization");
        if (found != options.end()) static_cast<llvm::cl::opt<bool> *>(found->second)->setValue(false);
    });
}

struct Host {
    std::string triple = llvm::sys::getProcessTriple();
    std::string cpu = llvm::sys::getHostCPUName().str();
    std::vector<std::string> features;

    Host() {
        // LLVM 14 names CPUs newer than itself `generic` (seen on Zen 5), which clang's x86 frontend rejects
        // ("unknown target CPU"); the features below are passed explicitly anyway, so the baseline name is exact.
        if (cpu == "generic" && llvm::Triple(triple).isX86()) cpu = "x86-64";
        llvm::StringMap<bool> map;
        if (llvm::sys::getHostCPUFeatures(map)) {
            for (auto &entry : map) features.push_back((entry.second ? "+" : "-") + entry.first().str());
        }
        std::sort(features.begin(), features.end());
    }

    std::string featureString() const {
        std::string out;
        for (auto &f : features) out += (out.empty() ? "" : ",") + f;
        return out;
    }
};

const Host &host() {
    static Host h;
    return h;
}

// cc1 arguments besides triple, CPU and features: what the driver would pass, minus -fmath-errno (so builtins
// stay pure), with clang's own LLVM passes off (kgjit_optimize runs the pipeline below with the target
// machine) and FP contraction off (FMA only where written, like the AOT kernels).
const std::vector<std::string> cc1Flags = {"-O3", "-disable-llvm-passes", "-ffp-contract=off", "-mprefer-vector-width=512",
                                           "-std=c11", "-ffreestanding", "-x", "c"};
// What kgjit_optimize and kgjit_codegen do, for cache keys (keep in step with them).
const char *const pipeline = "O2 loop+slp vectorize, no unroll, no epilogue vectorization; codegen default, PIC, small";

} // namespace

struct kgjit_module {
    std::unique_ptr<llvm::LLVMContext> context;
    std::unique_ptr<llvm::Module> module;
};

struct kgjit_library {
    llvm::orc::JITDylib *dylib;
};

struct kgjit_engine {
    std::unique_ptr<llvm::TargetMachine> machine;
    std::unique_ptr<llvm::orc::LLJIT> jit;
    std::vector<std::string> cc1;
    std::atomic<unsigned> libraries{0};
};

extern "C" {

void kgjit_free(void *pointer) { std::free(pointer); }

char *kgjit_host_description(void) {
    const Host &h = host();
    std::string flags;
    for (auto &f : cc1Flags) flags += (flags.empty() ? "" : " ") + f;
    return copy("llvm " LLVM_VERSION_STRING "; " + h.triple + "; cpu " + h.cpu + "; features " + h.featureString() +
                "; cc1 " + flags + "; pipeline " + pipeline);
}

kgjit_engine *kgjit_engine_create(char **error) {
    initialiseOnce();
    const Host &h = host();
    std::string lookupError;
    const llvm::Target *target = llvm::TargetRegistry::lookupTarget(h.triple, lookupError);
    if (!target) {
        fail(error, "no LLVM target for " + h.triple + ": " + lookupError);
        return nullptr;
    }
    auto engine = std::make_unique<kgjit_engine>();
    llvm::TargetOptions options; // FP fusion only where the IR asks (llvm.fmuladd / fma), as in AOT kernels.
    engine->machine.reset(target->createTargetMachine(h.triple, h.cpu, h.featureString(), options, llvm::Reloc::PIC_,
                                                      llvm::CodeModel::Small, llvm::CodeGenOpt::Default));
    if (!engine->machine) {
        fail(error, "cannot create a target machine for " + h.triple + " " + h.cpu);
        return nullptr;
    }
    llvm::orc::JITTargetMachineBuilder builder{llvm::Triple(h.triple)};
    builder.setCPU(h.cpu).addFeatures(h.features).setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
    auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(builder)).create();
    if (!jit) {
        fail(error, "cannot create the LLJIT: " + message(jit.takeError()));
        return nullptr;
    }
    engine->jit = std::move(*jit);

    engine->cc1 = {"-triple", h.triple, "-target-cpu", h.cpu};
    engine->cc1.insert(engine->cc1.end(), cc1Flags.begin(), cc1Flags.end());
    for (auto &f : h.features) {
        engine->cc1.push_back("-target-feature");
        engine->cc1.push_back(f);
    }
    return engine.release();
}

void kgjit_engine_dispose(kgjit_engine *engine) { delete engine; }

kgjit_module *kgjit_frontend(kgjit_engine *engine, const char *source, size_t length, char **error) {
    std::string diagnosticsText;
    llvm::raw_string_ostream diagnosticsStream(diagnosticsText);
    llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnosticOptions(new clang::DiagnosticOptions());
    auto *printer = new clang::TextDiagnosticPrinter(diagnosticsStream, diagnosticOptions.get());
    llvm::IntrusiveRefCntPtr<clang::DiagnosticIDs> ids(new clang::DiagnosticIDs());
    clang::DiagnosticsEngine argumentDiagnostics(ids, diagnosticOptions.get(), printer, /*ShouldOwnClient=*/false);

    std::vector<const char *> args;
    for (auto &a : engine->cc1) args.push_back(a.c_str());
    args.push_back("kernel.c");
    auto invocation = std::make_shared<clang::CompilerInvocation>();
    if (!clang::CompilerInvocation::CreateFromArgs(*invocation, args, argumentDiagnostics)) {
        diagnosticsStream.flush();
        fail(error, "clang rejected its arguments: " + diagnosticsText);
        delete printer;
        return nullptr;
    }
    invocation->getPreprocessorOpts().addRemappedFile(
        "kernel.c", llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(source, length), "kernel.c").release());
    invocation->getFrontendOpts().DisableFree = false;

    clang::CompilerInstance compiler;
    compiler.setInvocation(invocation);
    compiler.createDiagnostics(printer, /*ShouldOwnClient=*/true);

    auto result = std::make_unique<kgjit_module>();
    result->context = std::make_unique<llvm::LLVMContext>();
    clang::EmitLLVMOnlyAction action(result->context.get());
    bool ok = compiler.ExecuteAction(action);
    diagnosticsStream.flush();
    if (!ok || compiler.getDiagnostics().hasErrorOccurred()) {
        fail(error, diagnosticsText.empty() ? std::string("clang failed without a diagnostic") : diagnosticsText);
        return nullptr;
    }
    result->module = action.takeModule();
    if (!result->module) {
        fail(error, "clang produced no module: " + diagnosticsText);
        return nullptr;
    }
    return result.release();
}

char *kgjit_module_bitcode(kgjit_module *module, size_t *length) {
    llvm::SmallVector<char, 0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    llvm::WriteBitcodeToFile(*module->module, stream);
    char *out = static_cast<char *>(std::malloc(buffer.size() + 1));
    std::memcpy(out, buffer.data(), buffer.size());
    *length = buffer.size();
    return out;
}

kgjit_module *kgjit_module_from_bitcode(const void *bitcode, size_t length, const char *const *names, const double *values,
                                        size_t count, char **error) {
    auto result = std::make_unique<kgjit_module>();
    result->context = std::make_unique<llvm::LLVMContext>();
    llvm::MemoryBufferRef buffer(llvm::StringRef(static_cast<const char *>(bitcode), length), "kernel.bc");
    auto parsed = llvm::parseBitcodeFile(buffer, *result->context);
    if (!parsed) {
        fail(error, message(parsed.takeError()));
        return nullptr;
    }
    result->module = std::move(*parsed);
    for (size_t i = 0; i < count; ++i) {
        llvm::GlobalVariable *global = result->module->getGlobalVariable(names[i], /*AllowInternal=*/true);
        if (!global) continue; // clang emits only the globals some code reads
        if (!global->hasInitializer() || !global->getValueType()->isFloatingPointTy()) {
            fail(error, std::string("`") + names[i] + "` is not a floating-point global with an initialiser");
            return nullptr;
        }
        // Rounded to the constant's type to nearest, as the C literal of the value would be.
        global->setInitializer(llvm::ConstantFP::get(global->getValueType(), values[i]));
    }
    return result.release();
}

int kgjit_optimize(kgjit_engine *engine, kgjit_module *module, char **error) {
    llvm::Module &m = *module->module;
    m.setDataLayout(engine->machine->createDataLayout());
    llvm::PipelineTuningOptions tuning;
    // One wide vector loop per kernel: no unrolling of it, no vectorised epilogue (the
    // scalar remainder is at most a vector's worth of elements). Halves the code to optimise and emit;
    // the loops are bound by arithmetic or memory, not by loop overhead.
    tuning.LoopVectorization = true;
    tuning.SLPVectorization = true;
    tuning.LoopUnrolling = false;
    tuning.LoopInterleaving = true;
    llvm::PassBuilder builder(engine->machine.get(), tuning);
    llvm::LoopAnalysisManager loops;
    llvm::FunctionAnalysisManager functions;
    llvm::CGSCCAnalysisManager cgscc;
    llvm::ModuleAnalysisManager modules;
    builder.registerModuleAnalyses(modules);
    builder.registerCGSCCAnalyses(cgscc);
    builder.registerFunctionAnalyses(functions);
    builder.registerLoopAnalyses(loops);
    builder.crossRegisterProxies(loops, functions, cgscc, modules);
    llvm::ModulePassManager pipeline = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    pipeline.run(m, modules);
    (void)error;
    return 1;
}

int kgjit_vector_width(kgjit_module *module, const char *function) {
    llvm::Function *f = module->module->getFunction(function);
    if (!f || f->isDeclaration()) return -1;
    unsigned widest = 1;
    for (auto &block : *f) {
        for (auto &instruction : block) {
            if (auto *vector = llvm::dyn_cast<llvm::FixedVectorType>(instruction.getType())) {
                widest = std::max(widest, vector->getNumElements());
            }
        }
    }
    return static_cast<int>(widest);
}

char *kgjit_print_ir(kgjit_module *module) {
    std::string text;
    llvm::raw_string_ostream stream(text);
    module->module->print(stream, nullptr);
    stream.flush();
    return copy(text);
}

char *kgjit_codegen(kgjit_engine *engine, kgjit_module *module, int assembly, size_t *length, char **error) {
    llvm::SmallVector<char, 0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    llvm::legacy::PassManager passes;
    auto kind = assembly ? llvm::CGFT_AssemblyFile : llvm::CGFT_ObjectFile;
    if (engine->machine->addPassesToEmitFile(passes, stream, nullptr, kind)) {
        fail(error, "the target machine cannot emit this file type");
        return nullptr;
    }
    passes.run(*module->module);
    char *out = static_cast<char *>(std::malloc(buffer.size() + 1));
    std::memcpy(out, buffer.data(), buffer.size());
    out[buffer.size()] = 0;
    *length = buffer.size();
    return out;
}

void kgjit_module_dispose(kgjit_module *module) { delete module; }

kgjit_library *kgjit_load(kgjit_engine *engine, const void *object, size_t length, char **error) {
    auto &session = engine->jit->getExecutionSession();
    std::string name = "kernelgen." + std::to_string(engine->libraries++);
    auto dylib = session.createJITDylib(name);
    if (!dylib) {
        fail(error, message(dylib.takeError()));
        return nullptr;
    }
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        engine->jit->getDataLayout().getGlobalPrefix());
    if (!generator) {
        fail(error, message(generator.takeError()));
        return nullptr;
    }
    dylib->addGenerator(std::move(*generator));
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(static_cast<const char *>(object), length), name);
    if (auto e = engine->jit->addObjectFile(*dylib, std::move(buffer))) {
        fail(error, message(std::move(e)));
        return nullptr;
    }
    return new kgjit_library{&*dylib};
}

void *kgjit_lookup(kgjit_engine *engine, kgjit_library *library, const char *symbol, char **error) {
    auto found = engine->jit->lookup(*library->dylib, symbol);
    if (!found) {
        fail(error, message(found.takeError()));
        return nullptr;
    }
    return reinterpret_cast<void *>(found->getAddress());
}

void kgjit_library_dispose(kgjit_engine *engine, kgjit_library *library) {
    if (auto e = engine->jit->getExecutionSession().removeJITDylib(*library->dylib)) llvm::consumeError(std::move(e));
    delete library;
}

} // extern "C"
