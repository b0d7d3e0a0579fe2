/*
 * The coding schemes: the coefficient of source symbol i (0-based in the protected window)
 * in repair symbol `index` of a window starting at source symbol `first`.
 * - XOR: every coefficient is 1 (one repair symbol per window: more would all be equal).
 * - RLC over GF(2^8): pseudo-random non-zero coefficients, a function of (first, index, i) only,
 *   so both ends compute them (PQUIC seeds tinymt32 with the first id; ours is a 32-bit mix).
 */
#ifndef FEC_SCHEME_H
#define FEC_SCHEME_H
#include "fec.h"

static __inline__ uint8_t fec_coef(uint64_t scheme, uint64_t first, uint64_t index, uint64_t i)
{
    if (scheme == FEC_SCHEME_XOR) return 1;
    uint32_t x = (uint32_t)first * 0x9e3779b1u ^ (uint32_t)(index + 1) * 0x85ebca77u ^
                 (uint32_t)(i + 1) * 0xc2b2ae3du;
    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    x *= 0x297a2d39u;
    x ^= x >> 15;
    return (uint8_t)(x % 255u + 1u);
}

#endif /* FEC_SCHEME_H */
