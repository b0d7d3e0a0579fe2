/* Pluglet-style functions in named sections sharing a static function in .text. */
#include "helpers.h"

static __attribute__((noinline)) u64 weight(u64 a, u64 b)
{
    return mix_args(a, b, 0, 0, 1);
}

__attribute__((section("replace_first"), used)) u64 first(u64 a)
{
    return weight(a, 1);
}

__attribute__((section("post_second"), used)) u64 second(u64 a)
{
    return weight(a, 2) + first(a);
}
