/*
 * Hostile on purpose (tests/plugins_cli_test.ts): counts the packets its
 * connection sends in metadata slot 0 and, from the 200th on, stores through
 * a wild pointer. A short transfer never meets the fault; a long one does.
 */
#include "pquic.h"

protoop_arg_t late_fault(picoquic_cnx_t *cnx)
{
    uint64_t sent = get_cnx_metadata(cnx, 0) + 1;
    set_cnx_metadata(cnx, 0, sent);
    if (sent >= 200)
        *(volatile uint64_t *)0x1000 = sent;
    return 0;
}
