import SurrogateTestSupport
import Testing
@testable import Surrogates

/// Every spec in Specs/ (SpikeDE's five and any added since), both dtypes, the ahead-of-time backends,
/// against a Float80 evaluation of the spec's own formulas (`SpecCase`): a new spec is covered without
/// naming it anywhere. The JIT backend's twin is `EverySpecJITAccuracyTests`.
@Suite struct EverySpecAccuracyTests {
    func check<T: KernelScalar>(_ c: SpecCase, _: T.Type, backend: Backend) throws {
        let s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(c.name, backend: backend, parameters: c.parameters)
        #expect(s.backend == backend)
        let outcome = try c.check(s)
        #expect(outcome.misses.isEmpty, "\(c.testDescription) \(T.self) \(backend): \(outcome.summary)")
    }

    @Test(arguments: SpecCase.everySpecInTheFolder, [Backend.c, .swift])
    func float32(_ c: SpecCase, backend: Backend) throws { try check(c, Float.self, backend: backend) }

    @Test(arguments: SpecCase.everySpecInTheFolder, [Backend.c, .swift])
    func float64(_ c: SpecCase, backend: Backend) throws { try check(c, Double.self, backend: backend) }

    /// The enumeration above is not empty by accident: the folder loads, every spec of it is built in, and
    /// every spec gets the defaults plus one case per parameter.
    @Test func everySpecInTheFolderHasCases() throws {
        let specs = try SpecFiles.specs()
        #expect(specs.map(\.name) == SpecFiles.names)
        #expect(!specs.isEmpty)
        #expect(DispatchTable.builtin.descriptors.map(\.name) == SpecFiles.names)
        let cases = SpecCase.everySpecInTheFolder
        for spec in specs {
            #expect(cases.filter { $0.name == spec.name }.count == 1 + spec.params.count, "\(spec.name)")
        }
    }
}
