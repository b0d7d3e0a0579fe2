/* process_frame param 0x3eb4 replace: counts the XPING frame parse_frame read. */
#include "xping.h"

protoop_arg_t process(picoquic_cnx_t *cnx)
{
    set_cnx_metadata(cnx, SLOT_COUNT, get_cnx_metadata(cnx, SLOT_COUNT) + 1);
    set_cnx_metadata(cnx, SLOT_SUM, get_cnx_metadata(cnx, SLOT_SUM) + get_cnx_metadata(cnx, SLOT_RX));
    return 0;
}
