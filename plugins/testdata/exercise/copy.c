/* Copies host buffer input 0 into the heap, reverses it into writable host buffer input 1,
 * and returns the sum of its bytes (or UINT64_MAX when too long). */
#include "pquic.h"

protoop_arg_t copy(picoquic_cnx_t *cnx)
{
    host_buffer_t in = get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t out = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t n = host_buffer_length(in);
    if (n > 256)
        return UINT64_MAX;
    uint8_t *a = (uint8_t *)my_malloc(cnx, n);
    uint8_t *b = (uint8_t *)my_malloc(cnx, n);
    if (a == NULL || b == NULL)
        return UINT64_MAX;
    my_memcpy_from_host(a, in, 0, n);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += a[i];
        b[n - 1 - i] = a[i];
    }
    my_memcpy_to_host(out, 0, b, n);
    my_free(cnx, a);
    my_free(cnx, b);
    return sum;
}
