import Testing
@testable import SurrogateSpec

@Suite struct FormulaParserTests {
    let scope = FormulaScope(field: "backward", params: ["scale", "gamma"], allowsForwardOutput: true, allowsNoise: false)

    func parsed(_ text: String) throws -> String {
        let (expr, issues) = FormulaParser.parse(text, scope: scope)
        #expect(issues.isEmpty, "\(issues)")
        return try #require(expr).description
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try parsed("1 + 2 * x") == "(1 + (2 * x))")
        #expect(try parsed("-x^2") == "-(x ^ 2)")
        #expect(try parsed("2^3^x") == "(2 ^ (3 ^ x))")
        #expect(try parsed("2^-x") == "(2 ^ -x)")
        #expect(try parsed("x - 1 - 2") == "((x - 1) - 2)")
        #expect(try parsed("scale / 2 / (1 + x)") == "((scale / 2) / (1 + x))")
        #expect(try parsed("x >= -gamma && x <= gamma || !y") == "(((x >= -gamma) && (x <= gamma)) || !y)")
        #expect(try parsed("x < 0 ? 1 : x == 0 ? 2 : 3") == "where((x < 0), 1, where((x == 0), 2, 3))")
        #expect(try parsed("where(x != 1, pi, e)") == "where((x != 1), pi, e)")
        #expect(try parsed(".5e1 + 1.25E-3") == "(5 + 0.00125)")
    }

    @Test func everyTableFunctionParsesWithItsArity() throws {
        for f in FunctionTable.all where !f.isNoise {
            let args = Array(repeating: "x", count: f.arity).joined(separator: ", ")
            #expect(try parsed("\(f.name)(\(args))") == "\(f.name)(\(args))")
        }
    }

    func issue(_ text: String, scope: FormulaScope? = nil) -> FormulaIssue? {
        FormulaParser.parse(text, scope: scope ?? self.scope).1.first
    }

    @Test func syntaxErrorsPointAtTheOffendingToken() {
        #expect(issue("x +") == FormulaIssue(offset: 3, id: .formulaSyntax, message: "expected an expression, found the end of the formula"))
        #expect(issue("(x + 1") == FormulaIssue(offset: 6, id: .formulaSyntax, message: "expected `)` to close the `(` at offset 1, found the end of the formula"))
        #expect(issue("x $ 1") == FormulaIssue(offset: 2, id: .formulaSyntax, message: "unexpected character `$`"))
        #expect(issue("x = 1") == FormulaIssue(offset: 2, id: .formulaSyntax, message: "unexpected character `=` (use `==` to compare)"))
        #expect(issue("x 1") == FormulaIssue(offset: 2, id: .formulaSyntax, message: "unexpected `1`; expected an operator or the end of the formula"))
        #expect(issue("1.2.3") == FormulaIssue(offset: 0, id: .formulaSyntax, message: "malformed number `1.2.3`; expected digits with at most one `.` and an optional exponent, e.g. `1.5e-3`"))
    }

    @Test func namesAreResolvedWithSuggestions() {
        #expect(issue("scael * x") == FormulaIssue(offset: 0, id: .unknownIdentifier, message: "unknown identifier `scael`; did you mean `scale`?",
                                                 fixIt: FixIt(original: "scael", replacement: "scale")))
        #expect(issue("2 * sigmod(x)") == FormulaIssue(offset: 4, id: .unknownFunction, message: "unknown function `sigmod`; did you mean `sigmoid`?",
                                                     fixIt: FixIt(original: "sigmod", replacement: "sigmoid")))
        // Fusions are the emitters' own: a spec cannot call them.
        #expect(issue("sigmoid_logistic(x)")?.id == .unknownFunction)
        #expect(issue("sigmoid_logistic(x)")?.message.hasPrefix("unknown function `sigmoid_logistic`") == true)
        #expect(issue("clamp(x, 1)") == FormulaIssue(offset: 0, id: .wrongArity, message: "`clamp` takes 3 arguments, got 2"))
        #expect(issue("exp * 2") == FormulaIssue(offset: 0, id: .unknownIdentifier, message: "`exp` is a function; expected a call such as `exp(...)`"))
        #expect(issue("zzz") == FormulaIssue(offset: 0, id: .unknownIdentifier,
            message: "unknown identifier `zzz`; expected `x`, `y`, a parameter (`scale`, `gamma`), `pi` or `e`"))
    }

    @Test func contextRulesForYAndNoise() {
        let forward = FormulaScope(field: "forward", params: [], allowsForwardOutput: false, allowsNoise: false)
        #expect(issue("x + y", scope: forward) == FormulaIssue(offset: 4, id: .forwardOutputOutsideBackward,
            message: "`y` (the forward output) used in `forward`; it is allowed only in `backward`"))
        #expect(issue("x + logistic()", scope: forward) == FormulaIssue(offset: 4, id: .noiseOutsideTrainForward,
            message: "noise source `logistic()` used in `forward`; noise is allowed only in `train_forward` and `backward`"))
    }

    @Test func allNameErrorsOfOneFormulaAreReported() {
        let issues = FormulaParser.parse("foo(x) + bar + clamp(x)", scope: scope).1
        #expect(issues.map(\.id) == [.unknownFunction, .unknownIdentifier, .wrongArity])
        #expect(issues.map(\.offset) == [0, 9, 15])
    }

    @Test func noiseSitesAreNumberedInOrder() throws {
        let train = FormulaScope(field: "train_forward", params: [], allowsForwardOutput: false, allowsNoise: true)
        let expr = try #require(FormulaParser.parse("logistic() + uniform() * logistic()", scope: train).0)
        var sites: [Int] = []
        expr.walk { if case .call(_, _, let site?) = $0.kind { sites.append(site) } }
        #expect(sites == [0, 1, 2])
        #expect(expr.usesNoise)
    }
}
