#include "CBuildInfo.h"

int kernelgen_c_targets_optimized(void) {
#ifdef __OPTIMIZE__
    return 1;
#else
    return 0;
#endif
}
