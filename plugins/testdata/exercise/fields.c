/* Reads fields through every get_* family and metadata; returns a mix of them. */
#include "pquic.h"

protoop_arg_t fields(picoquic_cnx_t *cnx)
{
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    picoquic_packet_context_t *pc = (picoquic_packet_context_t *)get_path(path, AK_PATH_PKT_CTX, PQUIC_SPACE_APPLICATION);
    set_pkt_ctx(pc, AK_PKTCTX_ACK_DELAY_LOCAL, 25000);
    set_path_metadata(cnx, path, 9, get_path_metadata(cnx, path, 9) + 1);
    set_cnx(cnx, AK_CNX_OUTPUT, 0, get_cnx(cnx, AK_CNX_PROTOOP_PARAM, 0));
    set_cnx(cnx, AK_CNX_OUTPUT, 1, get_cnx(cnx, AK_CNX_INPUT_COUNT, 0));
    set_cnx(cnx, AK_CNX_OUTPUT, 2, get_cnx(cnx, AK_CNX_RETURN_VALUE, 0));
    set_cnx(cnx, AK_CNX_OUTPUT, 3, picoquic_current_time());
    picoquic_stream_head *s = picoquic_find_stream(cnx, 4);
    uint64_t sid = s == NULL ? 99 : get_stream_head(s, AK_STREAMHEAD_STREAM_ID);
    return get_path(path, AK_PATH_SMOOTHED_RTT, 0) + get_path_metadata(cnx, path, 9) * 1000000 + sid;
}
