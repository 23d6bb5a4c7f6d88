import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `kernelgen plot` (SVG structure, escaping, sweeps, gallery freshness) and `kernelgen check`'s accuracy output.
@Suite struct PlotAndAccuracyCLITests {
    /// Collects the SVG's elements while parsing it with Foundation's XMLParser (fails on malformed XML).
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(String, [String: String])] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) { elements.append((name, attributes)) }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    static func parse(_ svg: String) throws -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Collector()
        parser.delegate = c
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        return c
    }

    @Test func overlaidSurrogatesAreOnePathPerCurve() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("p.svg").path
        let r = try CLI.run(["plot", "sigmoid", "gaussian", "arctan", "--x=-3:5", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try Self.parse(String(contentsOfFile: out, encoding: .utf8))
        let panels = svg.elements.filter { $0.0 == "g" && $0.1["class"] == "panel" }
        #expect(panels.map { $0.1["data-x-min"] } == ["-3", "-3"] && panels.map { $0.1["data-x-max"] } == ["5", "5"])
        // backward's y range holds the sigmoid's peak scale/4 = 1.25 (5% padding above)
        #expect(Double(panels[1].1["data-y-max"] ?? "") == 1.3125)
        let paths = svg.elements.filter { $0.0 == "path" && $0.1["class"] == "curve" }
        #expect(paths.count == 6)
        #expect(Set(paths.map { $0.1["data-label"] ?? "" }) == ["sigmoid scale=5", "gaussian sigma=1", "arctan scale=2"])
        #expect(paths.allSatisfy { ($0.1["d"] ?? "").hasPrefix("M") })
        #expect(svg.elements.filter { $0.1["class"] == "x-tick" }.count >= 8)
    }

    /// Swept values are shortest decimals (0.3, not 0.30000000000000004); spec text is escaped (a summary with
    /// markup and a control character stays text); --ascii draws one letter per curve.
    @Test func sweepLabelsEscapingAndAscii() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s.svg").path
        let r = try CLI.run(["plot", "sigmoid", "--sweep", "scale=0.1:0.3:0.1", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        #expect(svg.contains("sigmoid scale=0.3<") && !svg.contains("0.30000000000000004"))
        #expect(try Self.parse(svg).elements.filter { $0.1["class"] == "curve" }.count == 6)

        let specs = dir.appendingPathComponent("specs")
        try FileManager.default.createDirectory(at: specs, withIntermediateDirectories: true)
        try "name: hostile\nsummary: \"</text></svg><script>alert('x')</script> & \\u0001 end\"\nparams:\n  w:\n    default: 1\nbackward: (abs(x) <= w) / (2 * w)\n"
            .write(to: specs.appendingPathComponent("hostile.yaml"), atomically: true, encoding: .utf8)
        let gallery = dir.appendingPathComponent("gallery")
        let g = try CLI.run(["plot", "--specs", specs.path, "--gallery", gallery.path])
        #expect(g.status == 0, "\(g.stderr)")
        let text = try String(contentsOfFile: gallery.appendingPathComponent("hostile.svg").path, encoding: .utf8)
        let parsed = try Self.parse(text)
        #expect(!parsed.elements.contains { $0.0 == "script" })
        #expect(parsed.text.contains("</text></svg><script>alert('x')</script> &  end"))
        let fresh = try CLI.run(["plot", "--specs", specs.path, "--gallery", gallery.path, "--check"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        try "stale".write(to: gallery.appendingPathComponent("hostile.svg"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["plot", "--specs", specs.path, "--gallery", gallery.path, "--check"]).status == 1)

        let a = try CLI.run(["plot", "sigmoid", "gaussian", "--ascii"])
        #expect(a.status == 0)
        #expect(a.stdout.contains("a: sigmoid scale=5") && a.stdout.contains("b: gaussian sigma=1"))
        #expect(a.stdout.split(separator: "\n").filter { $0.hasPrefix("|") }.count == 32)
    }

    @Test func badPlotArgumentsAreOneLine() throws {
        for args in [["plot", "sigmoid", "--x=4:-4"], ["plot", "nosuch"], ["plot", "sigmoid", "--sweep", "scale=1:100:1"],
                     ["plot", "sigmoid", "--sweep", "nosuch=1:2:1"], ["plot", "sigmoid", "--dtype", "f16"]] {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    /// The issue's two forms through the command: located notes, and the JSON for tools.
    @Test func checkReportsTheIssuesForms() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: snn\nsummary: s\nparams:\n  slope:\n    default: 25\nbackward: slope * exp(-slope * x) / (exp(-slope * x) + 1)^2\n"
            .write(to: dir.appendingPathComponent("snn.yaml"), atomically: true, encoding: .utf8)
        try "name: norse\nsummary: s\nparams:\n  k:\n    default: 2\nbackward: 1 - tanh(k * x)^2\n"
            .write(to: dir.appendingPathComponent("norse.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "snn.yaml", "norse.yaml"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout == "2 specs checked: 0 errors, 0 warnings, 4 notes\n")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("snn.yaml:6:58: note: as written, `backward` in float32 is NaN or infinite for x <= -3.4202") && $0.hasSuffix("[stable-rewrite]") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("norse.yaml:6:13: note: as written, `backward` in float32 is off by up to") && $0.contains("cancels") }, "\(lines)")
        let j = try CLI.run(["check", "--json", "snn.yaml"], in: dir)
        #expect(j.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let rows = try #require(object?["accuracy"] as? [[String: Any]])
        #expect(rows.contains { $0["form"] as? String == "as written" && $0["dtype"] as? String == "f32" && ($0["non_finite"] as? [Any])?.count == 1 })
        let diagnostics = try #require(object?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.allSatisfy { $0["severity"] as? String == "note" && $0["id"] as? String == "stable-rewrite" })
    }
}

/// `plot` takes catalogue names as `eval`, `jit` and `tune` do, and an unknown name gets "did you mean" over the
/// built-ins and the catalogue.
@Suite struct PlotNameCLITests {
    @Test func catalogueNameIsPlotted() throws {
        let r = try CLI.run(["plot", "snntorch_sso", "--ascii"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a: snntorch_sso mean=0 variance=0.2"))
    }

    @Test func misspelledNameSuggestsTheNearest() throws {
        let catalogue = try CLI.run(["plot", "norse_logistc"])
        #expect(catalogue.status == 1)
        #expect(catalogue.stderr.contains("unknown surrogate `norse_logistc`; did you mean `norse_logistic`?"), "\(catalogue.stderr)")
        let builtIn = try CLI.run(["plot", "sigmod"])
        #expect(builtIn.status == 1)
        #expect(builtIn.stderr.contains("did you mean `sigmoid`?") && builtIn.stderr.contains("--spec FILE NAME"), "\(builtIn.stderr)")
    }
}
