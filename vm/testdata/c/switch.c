/* A switch that clang turns into a lookup table in .rodata. */
#include "helpers.h"

u64 classify(u64 x)
{
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 59;
    case 5: return 61;
    case 6: return 79;
    case 7: return 83;
    default: return 0;
    }
}

u64 classify_all(u64 n)
{
    u64 acc = 0;
    for (u64 i = 0; i < n; i++)
        acc = acc * 3 + classify(i);
    return acc;
}
