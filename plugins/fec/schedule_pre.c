/* schedule_frames_on_path pre: once the peer said it runs FEC, books an SFPID frame for a
 * 1-RTT packet that will carry stream data (unless a REPAIR frame waits: it takes that packet),
 * and holds the packet's frames to a size whose repair symbol fits a packet
 * (fec_prepare_source). */
#include "fec.h"

protoop_arg_t schedule_pre(picoquic_cnx_t *cnx)
{
    fec_state_t *st = fec_state(cnx);
    if (st == NULL || !st->peer_fec || st->repairs_queued > 0) return 0;
    if (get_cnx(cnx, AK_CNX_INPUT, 1) != PQUIC_SPACE_APPLICATION) return 0;
    if (fec_prepare_source(!st->sfpid_pending, FEC_SLACK, SFPID_SIZE + MAX_SYM - SYMBOL_HEADER))
        st->sfpid_pending = 1;
    return 0;
}
