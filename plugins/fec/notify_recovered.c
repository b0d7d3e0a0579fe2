/* notify_frame 0x2b: a lost RECOVERED frame is booked again (core never resends plugin frames). */
#include "fec.h"

protoop_arg_t notify_recovered(picoquic_cnx_t *cnx)
{
    if (get_cnx(cnx, AK_CNX_INPUT, 1) != NOTIFY_LOST) return 0;
    reserve_frame_slot_t slot;
    my_memset(&slot, 0, sizeof(slot));
    slot.nb_bytes = RECOVERED_SIZE;
    slot.frame_type = FT_RECOVERED;
    slot.frame_ctx = get_cnx(cnx, AK_CNX_INPUT, 3);
    slot.is_retransmittable = 1;
    reserve_frames(cnx, 1, &slot);
    return 0;
}
