/*
 * The sliding-window framework, sender side (PQUIC's fec_framework_window): source symbols
 * get consecutive ids from 1, and a repair symbol protects a run of consecutive ids.
 * - Full-stream policy: a window opens at a source symbol; the redundancy controller (extern
 *   protoop fec_redundancy) says how many source symbols it takes (k, at most the congestion
 *   window in packets) and how many repair symbols protect it (n - k). Repair symbols
 *   accumulate as the source symbols come (each run adds one symbol to each), and their
 *   frames are booked when the window closes: at k, or when nothing more waits to be sent. While a window is open, its packets are covered
 *   (fec_cover_begin over its k ids) so that a lost one is held for the repair symbols to come.
 * - End-of-stream policy: when nothing more waits to be sent, the symbols sent since the last
 *   protection (the newest of them, within EOS_WORK) are protected at once.
 */
#ifndef FEC_WINDOW_H
#define FEC_WINDOW_H
#include "fec.h"
#include "gf256.h"
#include "scheme.h"

/* (n << 8) | k from the controller, clamped: 1 <= k <= MAXK, k < n <= k + RQ. A controller
 * whose answer never changes says so (FEC_REDUNDANCY_FIXED) and is asked once: a nested protoop
 * call per window cost more than the window's other work. */
static __inline__ uint64_t fec_redundancy(picoquic_cnx_t *cnx, fec_state_t *st, uint64_t flush)
{
    if (st->redundancy_fixed != 0) return st->redundancy_fixed;
    protoop_arg_t in[1] = { flush };
    uint64_t nk = run_noparam(cnx, "fec_redundancy", 1, in, NULL);
    uint64_t fixed = nk & FEC_REDUNDANCY_FIXED;
    uint64_t n = (nk >> 8) & 0xff, k = nk & 0xff;
    if (k == 0) k = 1;
    if (k > MAXK) k = MAXK;
    if (n <= k) n = k + 1;
    if (n > k + RQ) n = k + RQ;
    if (fixed) st->redundancy_fixed = (n << 8) | k;
    return (n << 8) | k;
}

/* Writes the REPAIR header of queue slot q and books its frame. */
static __inline__ void fec_book(picoquic_cnx_t *cnx, fec_state_t *st, uint64_t q, uint64_t first,
                                uint64_t count, uint64_t index, uint64_t len)
{
    fec_out_t *o = &st->rq[q];
    uint8_t *f = o->frame;
    f[0] = FT_REPAIR;
    put_be(f + 1, first, 4);
    f[5] = (uint8_t)count;
    f[6] = (uint8_t)index;
    f[7] = (uint8_t)st->scheme;
    put_be(f + 8, len, 2);
    reserve_frame_slot_t slot;
    my_memset(&slot, 0, sizeof(slot));
    slot.nb_bytes = REPAIR_HEADER + len;
    slot.frame_type = FT_REPAIR;
    slot.frame_ctx = (first << 16) | (count << 8) | q;
    slot.is_congestion_controlled = 1;
    slot.is_retransmittable = 1;
    if (reserve_frames(cnx, 1, &slot) == 0) {
        o->in_use = RQ_FREE;
        return;
    }
    o->in_use = RQ_BOOKED;
    o->len = len;
    st->repairs_queued++;
    st->c[FC_REPAIR]++;
    fec_cover_begin(first, count);
}

/* A free repair queue slot, or RQ. */
static __inline__ uint64_t fec_free_slot(fec_state_t *st)
{
    uint64_t q = 0;
    while (q < RQ && st->rq[q].in_use != RQ_FREE) q++;
    return q;
}

/* Closes the open window: its repair symbols are booked. */
static __inline__ void fec_window_close(picoquic_cnx_t *cnx, fec_state_t *st)
{
    if (st->win_first == 0) return;
    for (uint64_t r = 0; r < st->win_nrep && r < RQ; r++) {
        uint64_t q = st->win_slot[r] % RQ;
        if (st->win_count == 0) st->rq[q].in_use = RQ_FREE;
        else fec_book(cnx, st, q, st->win_first, st->win_count, r, st->win_len);
    }
    if (st->win_nrep > 0) fec_cover_end(st->win_first, st->win_k);
    st->win_first = 0;
    st->win_count = 0;
    st->win_nrep = 0;
}

/* Adds source symbol s to the open window (opening one if needed). */
static __inline__ void fec_window_add(picoquic_cnx_t *cnx, fec_state_t *st, fec_sym_t *s)
{
    if (st->win_first != 0 && s->fpid != st->win_first + st->win_count) fec_window_close(cnx, st);
    if (st->win_first == 0) {
        uint64_t nk = fec_redundancy(cnx, st, 0);
        uint64_t k = nk & 0xff, nrep = (nk >> 8) - k;
        /* A window fills within one congestion window, so that its repair symbols follow
         * its packets within about one round trip (held losses wait for them); fewer source
         * symbols get proportionally fewer repair symbols, but at least 2 when the
         * controller asked for several (bursts). */
        picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
        uint64_t mtu = get_path(path, AK_PATH_SEND_MTU, 0);
        uint64_t cwin = mtu == 0 ? k : get_path(path, AK_PATH_CWIN, 0) / mtu;
        if (cwin < 2) cwin = 2;
        if (k > cwin) {
            uint64_t scaled = (nrep * cwin + k - 1) / k;
            nrep = nrep >= 2 && scaled < 2 ? 2 : scaled;
            k = cwin;
        }
        if (st->scheme == FEC_SCHEME_XOR) nrep = 1;
        st->win_nrep = 0;
        for (uint64_t r = 0; r < nrep; r++) {
            uint64_t q = fec_free_slot(st);
            if (q == RQ) break;
            st->rq[q].in_use = RQ_ACCUMULATING;
            st->win_slot[st->win_nrep++] = (uint8_t)q;
        }
        st->win_first = s->fpid;
        st->win_count = 0;
        st->win_k = k;
        st->win_len = 0;
        /* Packets of an open window are held if lost: its repair symbols are coming. */
        if (st->win_nrep > 0) fec_cover_begin(s->fpid, k);
    }
    for (uint64_t r = 0; r < st->win_nrep && r < RQ; r++) {
        uint8_t *acc = st->rq[st->win_slot[r] % RQ].frame + REPAIR_HEADER;
        if (s->len > st->win_len) my_memset(acc + st->win_len, 0, s->len - st->win_len);
        gf_muladd(st, acc, s->data, fec_coef(st->scheme, st->win_first, r, st->win_count), s->len);
    }
    if (s->len > st->win_len) st->win_len = s->len;
    st->win_count++;
    if (st->win_count >= st->win_k || st->win_count >= MAXK) fec_window_close(cnx, st);
}

/* End of stream: protects the newest unprotected source symbols up to last from the ring. */
static __inline__ void fec_protect_tail(picoquic_cnx_t *cnx, fec_state_t *st, uint64_t last)
{
    if (last < st->first_unprotected) return;
    uint64_t nk = fec_redundancy(cnx, st, 1);
    uint64_t n = nk >> 8, k = nk & 0xff;
    uint64_t count = last + 1 - st->first_unprotected;
    if (count > MAXK) count = MAXK;
    if (count > SW) count = SW;
    uint64_t nrep = 1;
    for (;;) {
        if (st->scheme != FEC_SCHEME_XOR) nrep = (count * (n - k) + k - 1) / k;
        if (nrep == 0) nrep = 1;
        if (nrep > RQ) nrep = RQ;
        if (count * nrep <= EOS_WORK || count == 1) break;
        count--; /* the newest symbols, within the work bound */
    }
    st->first_unprotected = last + 1;
    uint64_t first = last + 1 - count, maxlen = 0;
    for (uint64_t i = 0; i < count; i++) {
        fec_sym_t *s = &st->sw[(first + i) % SW];
        if (s->fpid != first + i) return; /* no longer in the window */
        if (s->len > maxlen) maxlen = s->len;
    }
    for (uint64_t r = 0; r < nrep; r++) {
        uint64_t q = fec_free_slot(st);
        if (q == RQ) return;
        uint8_t *d = st->rq[q].frame + REPAIR_HEADER;
        my_memset(d, 0, maxlen);
        for (uint64_t i = 0; i < count; i++) {
            fec_sym_t *s = &st->sw[(first + i) % SW];
            gf_muladd(st, d, s->data, fec_coef(st->scheme, first, r, i), s->len);
        }
        fec_book(cnx, st, q, first, count, r, maxlen);
    }
}

#endif /* FEC_WINDOW_H */
