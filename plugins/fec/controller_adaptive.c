/* fec_redundancy (extern): redundancy that follows the measured loss rate. Between two calls
 * it reads packets sent and packets declared lost, smooths the rate (1/4 new sample), and
 * makes about 2.5 repair symbols per expected loss: k = 1 / (2.5 * rate), between 3 and 30,
 * n = k + 1 (PQUIC's uniform controller: n = (acked + lost) / lost). Returns n << 8 | k. */
#include "fec.h"

#define ADAPTIVE_SLOT 1
/* Rate unit: parts per million. */
#define PPM 1000000

typedef struct {
    uint64_t sent;
    uint64_t lost;
    uint64_t rate; /* ppm */
} adaptive_t;

protoop_arg_t controller_adaptive(picoquic_cnx_t *cnx)
{
    adaptive_t *a = (adaptive_t *)get_cnx_metadata(cnx, ADAPTIVE_SLOT);
    if (a == NULL) {
        a = (adaptive_t *)my_malloc(cnx, sizeof(adaptive_t));
        if (a == NULL) return (6 << 8) | 5;
        my_memset(a, 0, sizeof(adaptive_t));
        a->rate = 20000; /* 2% until measured */
        set_cnx_metadata(cnx, ADAPTIVE_SLOT, (uint64_t)a);
    }
    uint64_t sent = get_cnx(cnx, AK_CNX_NB_PACKETS_SENT, 0);
    uint64_t lost = get_cnx(cnx, AK_CNX_NB_RETRANSMISSION_TOTAL, 0);
    uint64_t ds = sent - a->sent;
    if (ds >= 50) {
        uint64_t sample = (lost - a->lost) * PPM / ds;
        a->rate = (3 * a->rate + sample) / 4;
        a->sent = sent;
        a->lost = lost;
    }
    uint64_t k = a->rate == 0 ? 30 : (PPM * 2) / (5 * a->rate);
    if (k < 3) k = 3;
    if (k > 30) k = 30;
    return ((k + 1) << 8) | k;
}
