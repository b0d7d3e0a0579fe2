/* write_frame param 0x3eb4 replace: writes the XPING frame whose value is its frame_ctx
 * (input 0) into the writer (input 1); outputs the size and "ack-eliciting". */
#include "xping.h"

protoop_arg_t write(picoquic_cnx_t *cnx)
{
    uint64_t value = get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t w = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t room = get_cnx(cnx, AK_CNX_INPUT, 2);
    if (room < XPING_SIZE || host_buffer_length(w) < XPING_SIZE)
        return 0x801;
    uint64_t off = host_varint_encode(w, 0, FT_XPING);
    my_memcpy_to_host(w, off, &value, 8);
    set_cnx(cnx, AK_CNX_OUTPUT, 0, off + 8);
    set_cnx(cnx, AK_CNX_OUTPUT, 1, 1);
    return 0;
}
