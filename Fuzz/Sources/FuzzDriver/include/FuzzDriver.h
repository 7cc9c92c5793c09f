#ifndef SONDE_FUZZ_DRIVER_H
#define SONDE_FUZZ_DRIVER_H

/// Runs libFuzzer with the process arguments and exits with its status. SwiftPM links every
/// executable with its own `main` (it renames the module's entry point and points `main` at it), so
/// libFuzzer's `main` is never used; each harness's main.swift calls this instead, which hands
/// control to libFuzzer's driver (`LLVMFuzzerRunDriver`).
_Noreturn void sonde_fuzz_main(int argc, char **argv);

#endif
