import Foundation
import Testing

/// `kernelgen tune`'s figures against closed forms written here (not computed by kernelgen): a normal density of
/// sigma s has peak 1/(s sqrt(2 pi)), full width at half maximum 2 sqrt(2 ln 2) s and integral 1.
@Suite(.serialized) struct TuneCommandTests {
    static let fwhmPerSigma = 2 * (2 * log(2.0)).squareRoot()

    func tune(_ arguments: [String], files: [String: String] = [:]) throws -> (CLI.Result, [[String: Any]]) {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var args = ["tune"] + arguments
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            args += ["--spec", url.path]
        }
        let r = try CLI.run(args + ["--size", "1024", "--repeat", "1", "--json"],
                            environment: ["KERNELGEN_CACHE_DIR": dir.appendingPathComponent("cache").path])
        let rows = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        return (r, rows)
    }

    /// The issue's case: sigma = 1e-4 ... 4e-4 integrates to 1 (it printed 3.99 ... 1.09 on a fixed step of 0.001).
    @Test(arguments: ["f32", "f64"])
    func aNarrowGaussianHasItsClosedFormFigures(_ dtype: String) throws {
        let (r, rows) = try tune(["gaussian", "--param", "sigma=0.0001:0.0004:0.0001", "--dtype", dtype])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(rows.map { $0["value"] as? Double } == [0.0001, 0.0002, 0.0003, 0.0004])
        let relative = dtype == "f32" ? 1e-6 : 1e-12  // the peak is the kernel's value at x = 0: one rounding
        for row in rows {
            let sigma = try #require(row["value"] as? Double)
            let peak = 1 / (sigma * (2 * Double.pi).squareRoot())
            #expect(abs(try #require(row["peak"] as? Double) / peak - 1) < relative, "\(row)")
            #expect(abs(try #require(row["integral"] as? Double) - 1) < 1e-4, "\(row)")  // trapezoids of 0.54%: O(1e-5)
            #expect(abs(try #require(row["width_at_half_maximum"] as? Double) / (Self.fwhmPerSigma * sigma) - 1) < 1e-3, "\(row)")
            #expect(row["centre"] as? Double == 0)
            #expect(abs((row["central_share"] as? Double ?? 0) - 1) < 1e-12)
            #expect((row["non_finite"] as? [String])?.isEmpty == true)
        }
    }

    /// The table prints swept values as their shortest decimals: 3 * 0.0001 is 0.00030000000000000003 in Double.
    @Test func aSweepPrintsShortestDecimals() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["tune", "gaussian", "--param", "sigma=0.0001:0.0003:0.0001", "--size", "1024", "--repeat", "1"],
                            environment: ["KERNELGEN_CACHE_DIR": dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let firstColumn = r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(["0.0001", "0.0002", "0.0003"].allSatisfy(firstColumn.contains), "\(r.stdout)")
        #expect(!r.stdout.contains("0.00030000000000000003"))
        #expect(0.0001 + 2 * 0.0001 != 0.0003)  // the sweep's arithmetic really does give the long decimal
    }

    /// NaN regions are reported as x ranges, not hidden: sqrt(2 - x) is NaN for every grid point above 2.
    @Test func nanRegionsAreReported() throws {
        let spec = "name: rooted\nsummary: NaN right of 2.\nparams:\n  scale: 1\nbackward: scale * exp(-(x^2)) * sqrt(2 - x)\n"
        let (r, rows) = try tune(["rooted", "--param", "scale=1:2:1", "--dtype", "f64"], files: ["rooted.yaml": spec])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(rows.count == 2)
        // The shape grid's first point above 2 is 2^(1 + 1/128), its last 2^60.
        let expected = "x in [\(String(format: "%.6g", exp2(1 + 1.0 / 128))), \(String(format: "%.6g", exp2(60.0)))]"
        for row in rows { #expect(row["non_finite"] as? [String] == [expected], "\(row)") }
    }

    /// A surrogate centred at its threshold, not at 0 (sinabs' `x - spike_threshold >= 0`, threshold 1): a bump
    /// of width 1e-4 there is measured on a grid about the forward's step, and integrates to 1.
    @Test(arguments: ["f32", "f64"])
    func aSurrogateCentredAtItsThresholdIsMeasuredThere(_ dtype: String) throws {
        let (r, rows) = try tune(["sinabs_gaussian", "--param", "sigma=0.0001:0.0002:0.0001", "--dtype", dtype])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(rows.count == 2)
        for row in rows {
            let sigma = try #require(row["value"] as? Double)
            #expect(row["centre"] as? Double == 1, "\(row)")
            #expect(abs(try #require(row["integral"] as? Double) - 1) < 1e-4, "\(row)")
            #expect(abs(try #require(row["peak"] as? Double) * sigma * (2 * Double.pi).squareRoot() - 1) < 1e-6, "\(row)")
            #expect(abs(try #require(row["width_at_half_maximum"] as? Double) / (Self.fwhmPerSigma * sigma) - 1) < 1e-3, "\(row)")
            #expect(abs((row["central_share"] as? Double ?? 0) - 1) < 1e-12)
        }
        // A threshold of 2.5 moves the centre with it.
        let (moved, shifted) = try tune(["sinabs_gaussian", "--param", "spike_threshold=2.5", "--param", "sigma=0.001:0.001:1"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(shifted.first?["centre"] as? Double == 2.5)
        #expect(abs((shifted.first?["integral"] as? Double ?? 0) - 1) < 1e-4)
    }
}
