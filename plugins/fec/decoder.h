/*
 * The receiver: source symbols kept by id, repair symbols reduced by the source symbols known
 * so far, and recovery. A repair symbol left with one unknown gives it directly (peeling; all
 * XOR recovery is this); several repair symbols sharing as many unknowns as they are go through
 * Gaussian elimination over GF(2^8) (RLC, bursts). A rebuilt packet's frames are processed
 * (fec_recovered_packet) and a RECOVERED frame tells the peer.
 */
#ifndef FEC_DECODER_H
#define FEC_DECODER_H
#include "fec.h"
#include "gf256.h"
#include "scheme.h"

/* Books a RECOVERED frame for packet pn (frame_ctx: the packet number). */
static __inline__ void fec_report(picoquic_cnx_t *cnx, uint64_t pn)
{
    reserve_frame_slot_t slot;
    my_memset(&slot, 0, sizeof(slot));
    slot.nb_bytes = RECOVERED_SIZE;
    slot.frame_type = FT_RECOVERED;
    slot.frame_ctx = pn;
    slot.is_retransmittable = 1;
    reserve_frames(cnx, 1, &slot);
}

/* A waiting repair symbol is used up (or given up). */
static __inline__ void fec_retire(fec_state_t *st, fec_in_t *in)
{
    if (!in->active) return;
    in->active = 0;
    st->rr_active--;
}

/* Subtracts a known source symbol from every repair symbol that still counts it unknown. */
static __inline__ void fec_eliminate(fec_state_t *st, const fec_sym_t *s)
{
    if (st->rr_active == 0) return;
    for (int r = 0; r < NR; r++) {
        fec_in_t *in = &st->rr[r];
        if (!in->active || s->fpid < in->first || s->fpid >= in->first + in->count) continue;
        uint64_t i = s->fpid - in->first;
        uint8_t c = in->coef[i];
        if (c == 0) continue;
        gf_muladd(st, in->data, s->data, c, s->len <= in->len ? s->len : in->len);
        in->coef[i] = 0;
        if (--in->unknown == 0) fec_retire(st, in);
    }
}

/* A rebuilt symbol (its bytes in slot id's data): checks it, processes it, reports it. */
static __inline__ void fec_deliver(picoquic_cnx_t *cnx, fec_state_t *st, uint64_t id,
                                   fec_sym_t *dst, uint64_t len)
{
    uint64_t pn = get_be(dst->data, 8);
    uint64_t flen = get_be(dst->data + 8, 2);
    if (flen + SYMBOL_HEADER > len) { /* not a symbol of ours: drop it */
        dst->fpid = 0;
        return;
    }
    dst->fpid = id;
    dst->len = flen + SYMBOL_HEADER;
    fec_eliminate(st, dst);
    st->c[FC_RECOVERED]++;
    if (fec_recovered_packet(pn, dst->data + SYMBOL_HEADER, flen)) fec_report(cnx, pn);
}

/* The slot a rebuilt symbol goes to, or NULL when a newer symbol holds it. */
static __inline__ fec_sym_t *fec_slot_for(fec_state_t *st, uint64_t id)
{
    fec_sym_t *s = &st->rw[id % RW];
    if (s->fpid > id) return NULL;
    return s;
}

/* Repair symbols with one unknown left give it. Returns 1 when one was used. */
static __inline__ int fec_peel(picoquic_cnx_t *cnx, fec_state_t *st)
{
    for (int r = 0; r < NR; r++) {
        fec_in_t *in = &st->rr[r];
        if (!in->active || in->unknown != 1) continue;
        fec_retire(st, in);
        uint64_t i = 0;
        while (i < in->count && in->coef[i] == 0) i++;
        if (i == in->count) continue;
        uint64_t id = in->first + i;
        fec_sym_t *dst = fec_slot_for(st, id);
        if (dst == NULL) continue;
        dst->fpid = 0;
        my_memcpy(dst->data, in->data, in->len);
        gf_scale(st, dst->data, gf_inv(st, in->coef[i]), in->len);
        fec_deliver(cnx, st, id, dst, in->len);
        return 1;
    }
    return 0;
}

/* Gaussian elimination over the active repair symbols of the window starting at `first` when
 * they are at least as many as their unknowns (at most GMAX): the coefficient matrix first,
 * logging the row operations; they are replayed on the symbols only when the matrix has full
 * rank. Returns 1 when it rebuilt. */
static __inline__ int fec_gauss(picoquic_cnx_t *cnx, fec_state_t *st, uint64_t first)
{
    uint64_t unk[GMAX];
    uint64_t nu = 0;
    int rows[NR];
    int nr = 0;
    for (int r = 0; r < NR; r++) {
        fec_in_t *in = &st->rr[r];
        if (!in->active || in->first != first) continue;
        rows[nr++] = r;
        for (uint64_t i = 0; i < in->count; i++) {
            if (in->coef[i] == 0) continue;
            uint64_t id = in->first + i, j = 0;
            while (j < nu && unk[j] != id) j++;
            if (j < nu) continue;
            if (nu == GMAX) return 0;
            unk[nu++] = id;
        }
    }
    if (nu == 0 || (uint64_t)nr < nu) return 0;
    uint8_t(*m)[GMAX] = st->m;
    for (int a = 0; a < nr; a++) {
        fec_in_t *in = &st->rr[rows[a]];
        for (uint64_t j = 0; j < nu; j++) {
            uint64_t id = unk[j];
            m[a][j] = (id >= in->first && id < in->first + in->count) ? in->coef[id - in->first] : 0;
        }
    }
    /* ops: kind 0 = scale row a by f; kind 1 = row a += f * row b; kind 2 = swap rows a, b */
    uint8_t *ok = st->op_kind, *oa = st->op_a, *ob = st->op_b, *of = st->op_f;
    int nops = 0;
    for (uint64_t j = 0; j < nu; j++) {
        int p = (int)j;
        while (p < nr && m[p][j] == 0) p++;
        if (p == nr) return 0; /* rank too low: nothing touched */
        if (p != (int)j) {
            for (uint64_t x = 0; x < nu; x++) {
                uint8_t t = m[p][x];
                m[p][x] = m[j][x];
                m[j][x] = t;
            }
            ok[nops] = 2, oa[nops] = (uint8_t)j, ob[nops] = (uint8_t)p, of[nops] = 0, nops++;
        }
        uint8_t inv = gf_inv(st, m[j][j]);
        for (uint64_t x = 0; x < nu; x++) m[j][x] = gf_mul(st, m[j][x], inv);
        ok[nops] = 0, oa[nops] = (uint8_t)j, ob[nops] = 0, of[nops] = inv, nops++;
        for (int a = 0; a < nr; a++) {
            uint8_t f = m[a][j];
            if (a == (int)j || f == 0) continue;
            for (uint64_t x = 0; x < nu; x++) m[a][x] ^= gf_mul(st, f, m[j][x]);
            ok[nops] = 1, oa[nops] = (uint8_t)a, ob[nops] = (uint8_t)j, of[nops] = f, nops++;
        }
    }
    /* Full rank: replay on the symbols (rows are indices into rows[], swapped in place). */
    uint64_t len = 0;
    for (int a = 0; a < nr; a++) {
        if (st->rr[rows[a]].len > len) len = st->rr[rows[a]].len;
    }
    for (int o = 0; o < nops; o++) {
        if (ok[o] == 2) {
            int t = rows[oa[o]];
            rows[oa[o]] = rows[ob[o]];
            rows[ob[o]] = t;
        } else if (ok[o] == 0) {
            gf_scale(st, st->rr[rows[oa[o]]].data, of[o], len);
        } else {
            gf_muladd(st, st->rr[rows[oa[o]]].data, st->rr[rows[ob[o]]].data, of[o], len);
        }
    }
    for (int a = 0; a < nr; a++) fec_retire(st, &st->rr[rows[a]]);
    for (uint64_t j = 0; j < nu; j++) {
        fec_sym_t *dst = fec_slot_for(st, unk[j]);
        if (dst == NULL) continue;
        dst->fpid = 0;
        my_memcpy(dst->data, st->rr[rows[j]].data, len);
        st->c[FC_GAUSS]++;
        fec_deliver(cnx, st, unk[j], dst, len);
    }
    return 1;
}

/* Repair symbols whose window fell out of the receive window can never be used. */
static __inline__ void fec_forget_stale(fec_state_t *st)
{
    for (int r = 0; r < NR; r++) {
        fec_in_t *in = &st->rr[r];
        if (in->active && in->first + in->count + RW / 2 <= st->rx_highest) fec_retire(st, in);
    }
}

static __inline__ void fec_try_recover(picoquic_cnx_t *cnx, fec_state_t *st)
{
    fec_forget_stale(st);
    for (int round = 0; round < NR && st->rr_active > 0; round++) {
        if (fec_peel(cnx, st)) continue;
        /* Several unknowns: one window at a time (the windows of repair symbols are disjoint). */
        int done = 0;
        for (int r = 0; r < NR && !done; r++) {
            fec_in_t *in = &st->rr[r];
            if (in->active && in->unknown >= 2) done = fec_gauss(cnx, st, in->first);
        }
        if (!done) return;
    }
}

#endif /* FEC_DECODER_H */
