/* parse_frame 0x2a: REPAIR (FRAMES.md). The repair symbol is reduced by the source symbols
 * received so far and kept while it has unknowns; recovery runs. Returns the reader as the
 * frame (nothing is left to process). */
#include "decoder.h"

protoop_arg_t parse_repair(picoquic_cnx_t *cnx)
{
    host_buffer_t r = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t avail = host_buffer_length(r);
    if (avail < REPAIR_HEADER) return 0;
    uint8_t h[16];
    my_memcpy_from_host(h, r, 0, REPAIR_HEADER);
    uint64_t first = get_be(h + 1, 4), count = h[5], index = h[6], scheme = h[7];
    uint64_t len = get_be(h + 8, 2);
    if (avail < REPAIR_HEADER + len) return 0;
    fec_state_t *st = fec_state(cnx);
    if (st == NULL || count == 0 || count > MAXK || len > MAX_SYM || first == 0 || scheme > 1) {
        host_reader_skip(r, REPAIR_HEADER + len);
        return r;
    }
    st->c[FC_RX_REPAIR]++;
    st->peer_fec = 1; /* it sends FEC frames: it parses ours */
    /* A free slot, else the oldest repair symbol gives way. */
    fec_in_t *in = &st->rr[0];
    for (int i = 0; i < NR; i++) {
        fec_in_t *c = &st->rr[i];
        if (!c->active) {
            in = c;
            break;
        }
        if (c->first < in->first) in = c;
    }
    uint64_t missing = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (st->rw[(first + i) % RW].fpid != first + i) missing++;
    }
    if (missing == 0) {
        host_reader_skip(r, REPAIR_HEADER + len);
        st->c[FC_RX_USELESS]++;
        return r;
    }
    fec_retire(st, in);
    my_memcpy_from_host(in->data, r, REPAIR_HEADER, len);
    host_reader_skip(r, REPAIR_HEADER + len);
    my_memset(in->data + len, 0, MAX_SYM - len);
    in->first = first;
    in->count = count;
    in->len = len;
    in->unknown = missing;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t id = first + i;
        uint8_t c = fec_coef(scheme, first, index, i);
        fec_sym_t *s = &st->rw[id % RW];
        if (s->fpid == id) {
            gf_muladd(st, in->data, s->data, c, s->len <= len ? s->len : len);
            in->coef[i] = 0;
        } else {
            in->coef[i] = c;
        }
    }
    in->active = 1;
    st->rr_active++;
    fec_try_recover(cnx, st);
    return r;
}
