/* GF(2^8) multiply-accumulate (polynomial 0x11d, as Reed-Solomon FEC uses)
 * over the --mem bytes: acc = sum of coef^i * p[i]. */
#include "helpers.h"

static __attribute__((noinline)) u8 gf_mul(u8 a, u8 b)
{
    u32 r = 0;
    u32 x = a;
    for (int i = 0; i < 8; i++) {
        if (b & 1)
            r ^= x;
        b >>= 1;
        x <<= 1;
        if (x & 0x100)
            x ^= 0x11d;
    }
    return (u8)r;
}

u64 gf_mac(const u8 *p, u64 len)
{
    u8 acc = 0;
    u8 coef = 1;
    for (u64 i = 0; i < len; i++) {
        acc ^= gf_mul(coef, p[i]);
        coef = gf_mul(coef, 3);
    }
    return acc;
}
