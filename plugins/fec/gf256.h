/*
 * GF(2^8) arithmetic on symbols (RFC 8681 §3: the field of RLC codes) with the tables of
 * fec_state_t. Addition is XOR; a region times a constant uses a 256-entry product row built
 * on the stack, so each byte costs one load, one lookup and one XOR.
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

static __inline__ void gf_row(const fec_state_t *st, uint8_t c, uint8_t *row)
{
    uint64_t lc = st->gf_log[c];
    row[0] = 0;
    for (int x = 1; x < 256; x++) row[x] = st->gf_exp[lc + st->gf_log[x]];
}

/* dst[0..n) += c * src[0..n) */
static __inline__ void gf_muladd(fec_state_t *st, uint8_t *dst, const uint8_t *src, uint8_t c,
                                 uint64_t n)
{
    if (c == 0) return;
    if (c == 1) {
        uint64_t i = 0;
        for (; i + 8 <= n; i += 8) *(uint64_t *)(dst + i) ^= *(const uint64_t *)(src + i);
        for (; i < n; i++) dst[i] ^= src[i];
        return;
    }
    uint8_t *row = st->row;
    gf_row(st, c, row);
    for (uint64_t i = 0; i < n; i++) dst[i] ^= row[src[i]];
}

/* dst[0..n) *= c */
static __inline__ void gf_scale(fec_state_t *st, uint8_t *dst, uint8_t c, uint64_t n)
{
    if (c == 1) return;
    uint8_t *row = st->row;
    gf_row(st, c, row);
    for (uint64_t i = 0; i < n; i++) dst[i] = row[dst[i]];
}

#endif /* FEC_GF256_H */
