/* schedule_frames_on_path pre: once the peer said it runs FEC, a 1-RTT packet that will carry
 * stream data starts with an SFPID frame (unless a REPAIR frame waits: it takes that packet),
 * written at once by fec_prepare_source, which also holds the packet's frames to a size whose
 * repair symbol fits a packet. Everything after the SFPID is the packet's source symbol. */
#include "fec.h"

protoop_arg_t schedule_pre(picoquic_cnx_t *cnx)
{
    fec_state_t *st = fec_state(cnx);
    if (st == NULL || !st->peer_fec || st->repairs_queued > 0) return 0;
    uint64_t from = fec_prepare_source(st->next_fpid, FEC_SLACK, MAX_SYM - SYMBOL_HEADER);
    if (from == 0) return 0;
    st->sfpid_from = from;
    st->sfpid_written = st->next_fpid++;
    return 0;
}
