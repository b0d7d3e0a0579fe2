/*
 * XPING: a test frame carrying one 64-bit value.
 *
 *   XPING Frame {
 *     Type (i) = 0x3eb4,
 *     Value (64),
 *   }
 *
 * State lives in this plugin's connection metadata slots: no heap.
 */
#ifndef XPING_H
#define XPING_H
#include "pquic.h"

#define FT_XPING 0x3eb4
/* Two-byte type and the value. */
#define XPING_SIZE 10
/* Metadata slots: frames received, the sum of their values, the value being received. */
#define SLOT_COUNT 0
#define SLOT_SUM 1
#define SLOT_RX 2

#define NOTIFY_LOST 0

/* Books one XPING frame carrying `value` (its frame_ctx). */
static __inline__ uint64_t xping_book(picoquic_cnx_t *cnx, uint64_t value)
{
    reserve_frame_slot_t slot;
    my_memset(&slot, 0, sizeof(slot));
    slot.nb_bytes = XPING_SIZE;
    slot.frame_type = FT_XPING;
    slot.frame_ctx = value;
    slot.is_congestion_controlled = 1;
    slot.is_retransmittable = 1;
    return reserve_frames(cnx, 1, &slot);
}
#endif
