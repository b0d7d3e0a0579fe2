/* parse_frame param 0x3eb4 replace: reads an XPING frame (input 0: the reader, at the type),
 * keeps its value for process_frame and returns the reader; NULL when truncated. */
#include "xping.h"

protoop_arg_t parse(picoquic_cnx_t *cnx)
{
    host_buffer_t r = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t type = 0;
    uint64_t off = host_varint_decode(r, 0, &type);
    if (off == 0 || host_buffer_length(r) < off + 8)
        return 0;
    uint64_t value = 0;
    my_memcpy_from_host(&value, r, off, 8);
    set_cnx_metadata(cnx, SLOT_RX, value);
    host_reader_skip(r, off + 8);
    return r;
}
