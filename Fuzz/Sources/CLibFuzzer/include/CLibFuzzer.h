// libFuzzer's driver, for a `main` of our own (see FuzzSupport/LibFuzzer.swift).
#pragma once
#include <stddef.h>
#include <stdint.h>

// Runs libFuzzer with the command line in argc/argv and `callback` as the function under test; returns the exit
// status. Defined in the compiler runtime's libclang_rt.fuzzer, which `-sanitize=fuzzer` links.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
