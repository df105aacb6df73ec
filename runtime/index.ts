// The `adjoint` package: differentiation markers for user code.
export * from "./markers";
