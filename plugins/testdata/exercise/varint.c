/* Round-trips varints through plugin memory and host buffers.
 * Inputs: 0 readable host buffer holding a varint at offset 1, 1 writable host buffer,
 * 2 a value to encode. Outputs: 0 the decoded host varint, 1 its length, 2 the length
 * written into the writable buffer. Returns the plugin-memory round trip of input 2. */
#include "pquic.h"

protoop_arg_t varint(picoquic_cnx_t *cnx)
{
    host_buffer_t in = get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t out = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t v = get_cnx(cnx, AK_CNX_INPUT, 2);
    uint8_t buf[8];
    uint64_t back = 0;
    uint64_t n = picoquic_varint_encode(buf, sizeof(buf), v);
    if (n == 0 || picoquic_varint_skip(buf) != n || picoquic_varint_decode(buf, n, &back) != n)
        return UINT64_MAX;
    uint64_t h = 0;
    uint64_t hl = host_varint_decode(in, 1, &h);
    set_cnx(cnx, AK_CNX_OUTPUT, 0, h);
    set_cnx(cnx, AK_CNX_OUTPUT, 1, hl);
    set_cnx(cnx, AK_CNX_OUTPUT, 2, host_varint_encode(out, 0, v));
    return back;
}
