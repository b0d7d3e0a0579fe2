/* xping_send extern: books an XPING frame carrying input 0. Returns the bytes booked. */
#include "xping.h"

protoop_arg_t send(picoquic_cnx_t *cnx)
{
    return xping_book(cnx, get_cnx(cnx, AK_CNX_INPUT, 0));
}
