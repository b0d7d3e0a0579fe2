/* Books two frames: a congestion-controlled 0x30 of 100 bytes and a 0x31 of 20 bytes. */
#include "pquic.h"

protoop_arg_t reserve(picoquic_cnx_t *cnx)
{
    reserve_frame_slot_t slots[2];
    my_memset(slots, 0, sizeof(slots));
    slots[0].nb_bytes = 100;
    slots[0].frame_type = 0x30;
    slots[0].frame_ctx = 0xabcdef;
    slots[0].is_congestion_controlled = 1;
    slots[0].is_retransmittable = 1;
    slots[1].nb_bytes = 20;
    slots[1].frame_type = 0x31;
    return reserve_frames(cnx, 2, slots);
}
