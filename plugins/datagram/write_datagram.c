/* write_frame param 0x31 replace: writes one queued datagram as a DATAGRAM frame with a
 * length (RFC 9221 §4), then frees it: it is never sent again (§5.2). Inputs: 0 frame_ctx
 * (the datagram's heap block), 1 the writer (a host buffer: the room left in the packet),
 * 2 that room. Outputs: 0 bytes written, 1 ack-eliciting. */
#include "datagram.h"

protoop_arg_t write_datagram(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    datagram_out_t *d = (datagram_out_t *)get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t w = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t room = get_cnx(cnx, AK_CNX_INPUT, 2);
    if (s == NULL || d == NULL)
        return 1;
    uint64_t size = 1 + varint_size(d->len) + d->len;
    if (size > room || size > host_buffer_length(w))
        return WRITE_RETRY_NEXT_PACKET;
    uint64_t off = host_varint_encode(w, 0, FT_DATAGRAM_LEN);
    off += host_varint_encode(w, off, d->len);
    if (d->len > 0)
        my_memcpy_to_host(w, off, d->data, d->len);
    set_cnx(cnx, AK_CNX_OUTPUT, 0, size);
    set_cnx(cnx, AK_CNX_OUTPUT, 1, 1);
    s->c[DG_SENT]++;
    if (s->c[DG_HELD] > 0)
        s->c[DG_HELD]--;
    s->c[DG_QUEUED_BYTES] -= d->len;
    my_free(cnx, d);
    return 0;
}
