/* notify_frame param 0x3eb4 replace: a lost XPING is booked again (core does not
 * retransmit plugin frames). Inputs: 1 received (0 lost), 3 frame_ctx (the value). */
#include "xping.h"

protoop_arg_t notify(picoquic_cnx_t *cnx)
{
    if (get_cnx(cnx, AK_CNX_INPUT, 1) == NOTIFY_LOST)
        xping_book(cnx, get_cnx(cnx, AK_CNX_INPUT, 3));
    return 0;
}
