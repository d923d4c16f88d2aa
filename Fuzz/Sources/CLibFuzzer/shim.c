// Nothing to compile: the target only carries include/CLibFuzzer.h, and SwiftPM wants one source file.
#include "CLibFuzzer.h"
