/* datagram_send extern: queues one datagram. Input 0: a host buffer holding the payload.
 * Returns SEND_QUEUED (0), SEND_TOO_LARGE (the peer takes no datagrams, or not this
 * large: datagram_get_max_size) or SEND_NO_MEMORY (MAX_QUEUED datagrams or
 * MAX_QUEUED_BYTES waiting, or no heap left).
 * The frame is booked congestion-controlled and ack-eliciting (RFC 9221 §5). */
#include "datagram.h"

protoop_arg_t send_datagram(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    if (s == NULL)
        return SEND_NO_MEMORY;
    host_buffer_t buf = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t len = host_buffer_length(buf);
    if (len > datagram_max_payload(cnx, s)) {
        s->c[DG_REFUSED]++;
        return SEND_TOO_LARGE;
    }
    datagram_out_t *d = NULL;
    if (s->c[DG_HELD] < MAX_QUEUED && s->c[DG_QUEUED_BYTES] + len <= MAX_QUEUED_BYTES)
        d = (datagram_out_t *)my_malloc(cnx, sizeof(datagram_out_t) + len);
    if (d == NULL) {
        s->c[DG_REFUSED]++;
        return SEND_NO_MEMORY;
    }
    d->len = len;
    if (len > 0)
        my_memcpy_from_host(d->data, buf, 0, len);
    reserve_frame_slot_t slot;
    my_memset(&slot, 0, sizeof(slot));
    slot.nb_bytes = 1 + varint_size(len) + len;
    slot.frame_type = FT_DATAGRAM_LEN;
    slot.frame_ctx = (uint64_t)d;
    slot.is_congestion_controlled = 1;
    slot.is_retransmittable = 1;
    if (reserve_frames(cnx, 1, &slot) == 0) {
        my_free(cnx, d);
        s->c[DG_REFUSED]++;
        return SEND_NO_MEMORY;
    }
    s->c[DG_HELD]++;
    s->c[DG_QUEUED_BYTES] += len;
    return SEND_QUEUED;
}
