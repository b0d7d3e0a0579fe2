/* Test helpers bound by name (see vm/_test_helpers.ts). */
#ifndef VM_TEST_HELPERS_H
#define VM_TEST_HELPERS_H
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;
extern u64 mix_args(u64 a, u64 b, u64 c, u64 d, u64 e);
extern u64 sum_bytes(const void *p, u64 len);
extern u64 fill_bytes(void *p, u64 len, u64 byte);
extern u64 log_string(const char *s, u64 len);
extern u64 log_u64(u64 v);
#endif
