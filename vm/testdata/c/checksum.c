/* Internet checksum (RFC 1071) over the --mem bytes: r1 = pointer, r2 = length. */
#include "helpers.h"

u64 checksum(const u8 *p, u64 len)
{
    u64 sum = 0;
    u64 i = 0;
    for (; i + 1 < len; i += 2)
        sum += ((u64)p[i] << 8) | p[i + 1];
    if (i < len)
        sum += (u64)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}
