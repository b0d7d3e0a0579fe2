/* schedule_frames_on_path post: the packet just built becomes a source symbol when it carries
 * an SFPID; the window framework protects it (window.h), and what is not protected yet is
 * protected once nothing more waits to be sent. */
#include "window.h"

protoop_arg_t schedule_post(picoquic_cnx_t *cnx)
{
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (st == NULL) return 0;
    uint64_t fpid = st->sfpid_written;
    int open = st->policy == FEC_POLICY_FULL_STREAM ? st->win_first != 0
                                                     : st->last_fpid >= st->first_unprotected;
    if (fpid == 0 && !open) return 0;
    int full = st->policy == FEC_POLICY_FULL_STREAM;
    int pending = -1; /* stream data waits: unknown yet */
    if (fpid != 0) {
        st->sfpid_written = 0;
        fec_sym_t *s = &st->sw[fpid % SW];
        uint64_t n = fec_sent_symbol(st->sfpid_from, fpid, s->data, MAX_SYM);
        pending = (n & FEC_PENDING) != 0;
        n &= FEC_PENDING - 1;
        if (n == 0) {
            /* Cannot be protected: windows close before it and start after it. */
            s->fpid = 0;
            st->c[FC_UNPROTECTED]++;
            if (full) fec_window_close(cnx, st);
            else fec_protect_tail(cnx, st, fpid - 1);
            st->first_unprotected = fpid + 1;
        } else {
            s->fpid = fpid;
            s->len = n;
            st->last_fpid = fpid;
            st->c[FC_SOURCE]++;
            if (full) fec_window_add(cnx, st, s);
        }
    }
    if (st->repairs_queued == 0 && !(pending >= 0 ? pending : fec_stream_data_pending())) {
        if (full) fec_window_close(cnx, st);
        else fec_protect_tail(cnx, st, st->last_fpid);
    }
    return 0;
}
