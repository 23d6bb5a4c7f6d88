import Foundation

/// One curve: points (NaN or infinite y breaks the line), a legend label, a colour index.
public struct PlotSeries: Sendable {
    public var label: String
    public var xs: [Double]
    public var ys: [Double]
    public var colour: Int
    public init(label: String, xs: [Double], ys: [Double], colour: Int) {
        self.label = label; self.xs = xs; self.ys = ys; self.colour = colour
    }
}

/// A panel of the figure: a title (`backward`), its curves, and the y axis label.
public struct PlotPanel: Sendable {
    public var title: String
    public var series: [PlotSeries]
    public init(title: String, series: [PlotSeries]) { self.title = title; self.series = series }
}

/// Plots as SVG (plain text, no dependency) and as text for terminals. Every string from a spec (names, labels)
/// goes through `escape` (XML text and attribute safe; control characters dropped, as XML 1.0 cannot hold them).
public enum SVGPlot {
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                let v = u.value
                // XML 1.0 Char: no C0 controls but tab/LF/CR, no surrogates (cannot occur), no U+FFFE/U+FFFF.
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF || (0x7F...0x9F).contains(v) { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// 1, 2 or 5 times a power of ten, giving about `count` ticks over [lo, hi].
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let p = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
        var out: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        let s = String(format: "%.6g", v)
        return s == "-0" ? "0" : s
    }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The y range of a panel's finite values, widened to include 0 and padded by 5%.
    public static func yRange(_ panel: PlotPanel) -> ClosedRange<Double> {
        let ys = panel.series.flatMap(\.ys).filter(\.isFinite)
        var lo = min(0, ys.min() ?? 0), hi = max(0, ys.max() ?? 1)
        if hi - lo < 1e-300 { hi = lo + 1 }
        let pad = (hi - lo) * 0.05
        lo -= lo < 0 ? pad : 0
        hi += pad
        return lo...hi
    }

    public static func render(title: String, description: String? = nil, panels: [PlotPanel], x: ClosedRange<Double>, width: Double = 720,
                              panelHeight: Double = 260) -> String {
        let left = 70.0, right = 20.0, top = 40.0, gap = 50.0, legendLine = 18.0
        let labels = panels.first?.series.map(\.label) ?? []
        let legendHeight = Double(labels.count) * legendLine + 10
        let height = top + Double(panels.count) * (panelHeight + gap) + legendHeight
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            \(description.map { "<desc>\(escape($0))</desc>\n" } ?? "")<rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        let plotWidth = width - left - right
        for (k, panel) in panels.enumerated() {
            let y0 = top + Double(k) * (panelHeight + gap)
            let yr = yRange(panel)
            func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * plotWidth }
            func py(_ v: Double) -> Double { y0 + panelHeight - (v - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * panelHeight }
            s += "<g class=\"panel\" data-title=\"\(escape(panel.title))\" data-x-min=\"\(label(x.lowerBound))\" data-x-max=\"\(label(x.upperBound))\" data-y-min=\"\(label(yr.lowerBound))\" data-y-max=\"\(label(yr.upperBound))\">\n"
            s += "<rect class=\"frame\" x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            s += "<text x=\"\(f(left))\" y=\"\(f(y0 - 6))\" font-size=\"13\">\(escape(panel.title))</text>\n"
            for t in ticks(x.lowerBound, x.upperBound) {
                s += "<line class=\"x-tick\" x1=\"\(f(px(t)))\" y1=\"\(f(y0 + panelHeight))\" x2=\"\(f(px(t)))\" y2=\"\(f(y0 + panelHeight + 5))\" stroke=\"#444\"/>"
                s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(y0))\" x2=\"\(f(px(t)))\" y2=\"\(f(y0 + panelHeight))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(f(px(t)))\" y=\"\(f(y0 + panelHeight + 18))\" text-anchor=\"middle\">\(label(t))</text>\n"
            }
            for t in ticks(yr.lowerBound, yr.upperBound, count: 5) {
                s += "<line class=\"y-tick\" x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#444\"/>"
                s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(label(t))</text>\n"
            }
            s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(y0 + panelHeight + 34))\" text-anchor=\"middle\">x</text>\n"
            for series in panel.series {
                var d = "", pen = false
                for (xv, yv) in zip(series.xs, series.ys) {
                    guard yv.isFinite, x.contains(xv) else { pen = false; continue }
                    d += "\(pen ? "L" : "M")\(f(px(xv))) \(f(py(min(max(yv, yr.lowerBound), yr.upperBound)))) "
                    pen = true
                }
                let colour = palette[series.colour % palette.count]
                s += "<path class=\"curve\" data-label=\"\(escape(series.label))\" d=\"\(d.trimmingCharacters(in: .whitespaces))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"/>\n"
            }
            s += "</g>\n"
        }
        let ly = top + Double(panels.count) * (panelHeight + gap)
        s += "<g class=\"legend\">\n"
        for (i, series) in (panels.first?.series ?? []).enumerated() {
            let yy = ly + Double(i) * legendLine
            s += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(left + 24))\" y2=\"\(f(yy))\" stroke=\"\(palette[series.colour % palette.count])\" stroke-width=\"3\"/>"
            s += "<text x=\"\(f(left + 32))\" y=\"\(f(yy + 4))\">\(escape(series.label))</text>\n"
        }
        s += "</g>\n</svg>\n"
        return s
    }

    /// A character plot per panel: one letter per curve (a, b, c... as in the legend), `!` where a curve is NaN/inf.
    public static func ascii(title: String, panels: [PlotPanel], x: ClosedRange<Double>, width: Int = 72, height: Int = 16) -> String {
        var out = title + "\n"
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        for panel in panels {
            let yr = yRange(panel)
            var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
            let zeroRow = Int(((yr.upperBound - 0) / (yr.upperBound - yr.lowerBound) * Double(height - 1)).rounded())
            if (0..<height).contains(zeroRow) { for c in 0..<width { grid[zeroRow][c] = "-" } }
            for (k, series) in panel.series.enumerated() {
                for (xv, yv) in zip(series.xs, series.ys) where x.contains(xv) {
                    let c = min(width - 1, max(0, Int(((xv - x.lowerBound) / (x.upperBound - x.lowerBound) * Double(width - 1)).rounded())))
                    if !yv.isFinite { grid[height - 1][c] = "!"; continue }
                    let r = min(height - 1, max(0, Int(((yr.upperBound - yv) / (yr.upperBound - yr.lowerBound) * Double(height - 1)).rounded())))
                    grid[r][c] = letters[k % letters.count]
                }
            }
            out += "\(panel.title)  (y from \(label(yr.lowerBound)) to \(label(yr.upperBound)))\n"
            for row in grid { out += "|" + String(row) + "|\n" }
            out += " \(label(x.lowerBound))" + String(repeating: " ", count: max(1, width - 2 - label(x.lowerBound).count - label(x.upperBound).count)) + "\(label(x.upperBound))\n"
        }
        for (k, series) in (panels.first?.series ?? []).enumerated() { out += "  \(letters[k % letters.count]): \(series.label)\n" }
        return out
    }
}
