@_exported import KernelInterface

extension SurrogateDescriptor {
    /// Parameter values in argument order, checked for the kernels of `T` as well: a value that is finite in
    /// Double but not in T (`1e39` for Float) is rejected, since the kernels would compute with infinity.
    public func resolve<T: KernelScalar>(_ values: [String: Double], for _: T.Type) throws(SurrogateError) -> [Double] {
        try parameters.resolve(values, owner: name, for: T.self)
    }

    /// Parameter values in argument order: defaults filled in, unknown names and out-of-bounds values rejected.
    public func resolve(_ values: [String: Double]) throws(SurrogateError) -> [Double] {
        try parameters.resolve(values, owner: name, for: Double.self)
    }
}
