#include "FuzzDriver.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// Both provided at link time: the first by libFuzzer (-sanitize=fuzzer), the second by the
// harness (@_cdecl("LLVMFuzzerTestOneInput")).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void sonde_fuzz_main(int argc, char **argv) {
    exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput));
}
