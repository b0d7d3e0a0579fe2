/*
 * update_rtt post (inputs: space, latest_rtt, ack_delay, now): after every
 * RTT sample, sets the Application space's local ACK delay
 * (AK_PKTCTX_ACK_DELAY_LOCAL, RFC 9000 §13.2.1) to
 *
 *     min_rtt × ACK_DELAY_MULT / ACK_DELAY_DIV, at least ACK_DELAY_MIN_US,
 *     at most min_rtt,
 *
 * PQUIC's ack_delay plugin (its update_ack_delay). The connection bounds it
 * by our max_ack_delay.
 *
 * It also raises (AK_PKTCTX_ACK_ELICITING_THRESHOLD) the number of
 * ack-eliciting packets that make an ACK due at once from
 * RFC 9000 §13.2.2's two to ACK_THRESHOLD (what the ACK frequency extension
 * lets a sender ask for): fewer ACK frames per packet received, each within
 * the delay above. Packets out of order are still acknowledged at once.
 */
#include "pquic.h"

#define ACK_DELAY_MULT 1
#define ACK_DELAY_DIV 4
/* Below this the ACK timer would fire about as often as packets arrive. */
#define ACK_DELAY_MIN_US 1000
/* Ack-eliciting packets per immediate ACK (an arbitrary choice; RFC 9000's is 2). */
#define ACK_THRESHOLD 8

protoop_arg_t update_ack_delay(picoquic_cnx_t *cnx)
{
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    if (path == NULL)
        return 0;
    uint64_t rtt_min = get_path(path, AK_PATH_RTT_MIN, 0);
    if (rtt_min == 0)
        return 0;
    uint64_t delay = rtt_min * ACK_DELAY_MULT / ACK_DELAY_DIV;
    if (delay > rtt_min)
        delay = rtt_min;
    if (delay < ACK_DELAY_MIN_US)
        delay = ACK_DELAY_MIN_US;
    picoquic_packet_context_t *pc =
        (picoquic_packet_context_t *)get_path(path, AK_PATH_PKT_CTX, PQUIC_SPACE_APPLICATION);
    if (pc == NULL)
        return 0;
    if (get_pkt_ctx(pc, AK_PKTCTX_ACK_DELAY_LOCAL) != delay)
        set_pkt_ctx(pc, AK_PKTCTX_ACK_DELAY_LOCAL, delay);
    if (get_pkt_ctx(pc, AK_PKTCTX_ACK_ELICITING_THRESHOLD) != ACK_THRESHOLD)
        set_pkt_ctx(pc, AK_PKTCTX_ACK_ELICITING_THRESHOLD, ACK_THRESHOLD);
    return 0;
}
