/* parse_frame param 0x30 and 0x31 replace: a DATAGRAM frame (RFC 9221 §4):
 *
 *   DATAGRAM Frame {
 *     Type (i) = 0x30..0x31,
 *     [Length (i)],
 *     Datagram Data (..),
 *   }
 *
 * Input 0: the reader (a host buffer: the packet's bytes from the frame's type on).
 * The data is copied to the heap for process_frame, the reader moved past the frame,
 * and the reader's handle returned as the frame. A truncated frame returns NULL: the
 * connection closes with FRAME_ENCODING_ERROR (RFC 9000 §12.4). */
#include "datagram.h"

protoop_arg_t parse_datagram(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    if (s == NULL)
        return 0;
    host_buffer_t r = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t avail = host_buffer_length(r);
    uint64_t type = 0;
    uint64_t off = host_varint_decode(r, 0, &type);
    if (off == 0)
        return 0;
    uint64_t len;
    if (type == FT_DATAGRAM_LEN) {
        uint64_t n = host_varint_decode(r, off, &len);
        if (n == 0)
            return 0;
        off += n;
        if (len > avail - off)
            return 0;
    } else {
        len = avail - off;
    }
    if (s->rx_pending)
        my_free(cnx, s->rx);
    s->rx = NULL;
    s->rx_pending = 0;
    /* Without heap left the frame is still consumed, and its datagram dropped (process_frame
     * counts it): unreliable delivery allows it, a connection error would not be the peer's. */
    if (len > 0) {
        s->rx = (uint8_t *)my_malloc(cnx, len);
        if (s->rx != NULL)
            my_memcpy_from_host(s->rx, r, off, len);
    }
    s->rx_len = len;
    s->rx_pending = 1;
    host_reader_skip(r, off + len);
    return r;
}
