/* Same shape as counter_a with other data at the same offsets. */
#include "pquic.h"

static uint64_t count = 7000;
static const char name[] = "counter_b";

protoop_arg_t counter_b(picoquic_cnx_t *cnx)
{
    count += 1;
    PROTOOP_PRINTF(cnx, "%s=%lu", (uint64_t)name, count);
    return count;
}
