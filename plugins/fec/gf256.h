/*
 * GF(2^8) arithmetic (RFC 8681 §3: the field of RLC codes; polynomial 0x11d, generator 2).
 * Single elements (the decoder's coefficient matrix) use the tables of fec_state_t; regions
 * (symbols) go through the helpers fec_region_addmul / fec_region_scale, one call per symbol
 * instead of a byte loop in the VM (measured: the loop cost more than the rest of a packet's
 * FEC work).
 */
#ifndef FEC_GF256_H
#define FEC_GF256_H
#include "fec.h"

static __inline__ uint8_t gf_mul(const fec_state_t *st, uint8_t a, uint8_t b)
{
    if (a == 0 || b == 0) return 0;
    return st->gf_exp[(uint64_t)st->gf_log[a] + st->gf_log[b]];
}

static __inline__ uint8_t gf_inv(const fec_state_t *st, uint8_t a)
{
    return st->gf_exp[255 - (uint64_t)st->gf_log[a]];
}

/* dst[0..n) += c * src[0..n) */
static __inline__ void gf_muladd(fec_state_t *st, uint8_t *dst, const uint8_t *src, uint8_t c,
                                 uint64_t n)
{
    (void)st;
    if (c != 0 && n != 0) fec_region_addmul(dst, src, c, n);
}

/* dst[0..n) *= c */
static __inline__ void gf_scale(fec_state_t *st, uint8_t *dst, uint8_t c, uint64_t n)
{
    (void)st;
    if (c != 1 && n != 0) fec_region_scale(dst, c, n);
}

#endif /* FEC_GF256_H */
