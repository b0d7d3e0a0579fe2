/*
 * Forward erasure correction (FEC) for pquic: PQUIC's FEC plugin (Michel et al., QUIC-FEC;
 * pquic-reference.md §7.6) on QUIC v1, with the frame layouts of FRAMES.md.
 *
 * The pieces, as in PQUIC:
 * - the core (this header, the pluglets of fec_core.plugin): source symbols, SFPID, REPAIR and
 *   RECOVERED frames, the receiver's decoder;
 * - the sliding-window framework (window.h): which source symbols a repair symbol protects;
 * - the schemes (scheme.h; selected by the extern protoop fec_scheme, scheme_*.c): XOR, and
 *   random linear codes over GF(2^8) (gf256.h);
 * - the redundancy controllers (extern protoop fec_redundancy, controller_*.c): constant (6,5),
 *   burst (30,25), adaptive (to the measured loss rate);
 * - the protection policy (extern protoop fec_protect_policy, policy_*.c): the whole stream, or
 *   only its end.
 *
 * A source symbol is the bytes of a 1-RTT packet after its SFPID frame, with the packet number
 * (64 bits) and their length (16 bits) in front, network order (helpers fec_sent_symbol and
 * fec_received_symbol build it). Symbols are padded with zeros to the longest of a window; a
 * rebuilt symbol's length field says where its frames end.
 *
 * State: one fec_state_t on the plugin heap, found through connection metadata slot 0,
 * allocated by whichever pluglet runs first.
 */
#ifndef FEC_H
#define FEC_H
#include "pquic.h"

#define FEC_SLOT 0

/* Transport parameter fec_supported (FRAMES.md) and its value. */
#define FEC_TP 0xfec
#define FEC_TP_VERSION 1

/* Frame types (FRAMES.md). */
#define FT_SFPID 0x29
#define FT_REPAIR 0x2a
#define FT_RECOVERED 0x2b

/* SOURCE_FPID: type (8), source symbol id (32). */
#define SFPID_SIZE 5
/* REPAIR header: type (8), first id (32), count (8), index (8), scheme (8), length (16). */
#define REPAIR_HEADER 10
/* RECOVERED: type (8), first packet number (64), count (8). */
#define RECOVERED_SIZE 10
/* Source symbol header: packet number (64), payload length (16). */
#define SYMBOL_HEADER 10

/* Largest symbol: its header and 1462 bytes of frames (an arbitrary bound: symbols live in
 * plugin memory, and the decoder's work grows with it). Packets carrying an SFPID are held to
 * this many bytes of frames after it. */
#define MAX_SYM 1472
/* Room kept free at the end of a source packet so that a repair symbol of it and its REPAIR
 * header fit one packet: REPAIR_HEADER + SYMBOL_HEADER - SFPID_SIZE = 15, and 9 bytes for a
 * longer packet number or ACK frame in the repair packet (when the ACK is much longer, the
 * REPAIR frame waits for the next packet). */
#define FEC_SLACK 24

/* Sender: source symbols kept (a power of two); repair symbols queued at once. */
#define SW 32
#define RQ 8
/* Receiver: source symbols kept (a power of two); repair symbols waiting to be used. */
#define RW 64
#define NR 8
/* Most source symbols one repair symbol protects. */
#define MAXK 32
/* End-of-stream protection: most (source symbols x repair symbols) made in one run, so that
 * its work stays within a pluglet's instruction budget. */
#define EOS_WORK 48
/* Most unknowns of one Gaussian elimination. */
#define GMAX 8

/* fec_redundancy's answer (n << 8 | k) may carry this bit: it never changes, ask once. */
#define FEC_REDUNDANCY_FIXED (1 << 16)

/* Schemes (REPAIR's scheme field). */
#define FEC_SCHEME_XOR 0
#define FEC_SCHEME_RLC_GF256 1
/* Protection policies. */
#define FEC_POLICY_FULL_STREAM 0
#define FEC_POLICY_END_OF_STREAM 1

/* write_frame statuses (CATALOGUE.md). */
#define WRITE_OK 0
#define WRITE_FAILED 1
#define WRITE_RETRY_NEXT_PACKET 0x801
/* notify_frame's received input. */
#define NOTIFY_LOST 0
#define NOTIFY_ACKED 1
#define NOTIFY_NEVER_WRITTEN 2

/* Counters (fec_get_counter's input). */
#define FC_SOURCE 0          /* source symbols sent */
#define FC_REPAIR 1          /* repair symbols generated */
#define FC_REPAIR_ACKED 2    /* repair symbols acknowledged */
#define FC_REPAIR_LOST 3     /* repair symbols lost */
#define FC_RX_SOURCE 4       /* source symbols received */
#define FC_RX_REPAIR 5       /* repair symbols received */
#define FC_RX_USELESS 6      /* repair symbols received with nothing to rebuild */
#define FC_RECOVERED 7       /* packets rebuilt */
#define FC_PEER_RECOVERED 8  /* packets the peer reported rebuilt */
#define FC_UNPROTECTED 9     /* packets with an SFPID whose symbol was too large */
#define FC_GAUSS 10          /* packets rebuilt by Gaussian elimination (several unknowns) */
#define FC_COUNTERS 11

/* One source symbol. */
typedef struct {
    uint64_t fpid; /* 0: empty */
    uint64_t len;  /* bytes of data */
    uint8_t data[MAX_SYM];
} fec_sym_t;

/* One repair symbol being sent: its REPAIR frame, ready to copy. */
#define RQ_FREE 0
#define RQ_BOOKED 1
#define RQ_ACCUMULATING 2
typedef struct {
    uint64_t in_use; /* RQ_* */
    uint64_t len; /* bytes of repair data */
    uint8_t frame[REPAIR_HEADER + MAX_SYM + 6];
} fec_out_t;

/* One repair symbol received, reduced by the source symbols known so far. */
typedef struct {
    uint64_t active;
    uint64_t first;
    uint64_t count;
    uint64_t len;
    uint64_t unknown; /* coefficients still non-zero */
    uint8_t coef[MAXK];
    uint8_t data[MAX_SYM];
} fec_in_t;

typedef struct {
    /* configuration (extern protoops, read once) */
    uint64_t peer_fec; /* the peer sent fec_supported: it parses our frames */
    uint64_t scheme;
    uint64_t policy;
    /* sender */
    uint64_t next_fpid;         /* next source symbol id (from 1) */
    uint64_t last_fpid;         /* newest source symbol recorded */
    uint64_t first_unprotected; /* oldest source symbol no repair symbol protects yet */
    uint64_t sfpid_written;     /* the packet being built carries this id (0: none) */
    uint64_t sfpid_from;        /* where its symbol starts in the packet buffer */
    uint64_t repairs_queued;    /* REPAIR frames booked and not written yet */
    uint64_t redundancy_fixed;  /* the controller's constant (n << 8) | k, 0: ask each window */
    /* the window being encoded (full-stream policy): repair symbols accumulate as source
     * symbols come, so no run does more than one symbol's work per repair symbol */
    uint64_t win_first; /* its first source symbol id (0: none open) */
    uint64_t win_count; /* source symbols in it */
    uint64_t win_k;     /* it closes at k */
    uint64_t win_nrep;  /* repair symbols accumulating: rq[win_slot[0..win_nrep)] */
    uint64_t win_len;   /* longest source symbol in it */
    uint8_t win_slot[RQ];
    /* receiver */
    uint64_t rx_highest; /* newest source symbol id seen */
    uint64_t rr_active;  /* repair symbols waiting for unknowns (rr[].active) */
    uint64_t c[FC_COUNTERS];
    /* GF(2^8) tables, generator 2 of x^8 + x^4 + x^3 + x^2 + 1 (0x11d) */
    uint8_t gf_exp[512];
    uint8_t gf_log[256];
    /* scratch: the elimination's matrix and operations (decoder.h; clang's BPF target allows
     * 512 bytes of stack) */
    uint8_t m[NR][GMAX];
    uint8_t op_kind[GMAX * (NR + 2)];
    uint8_t op_a[GMAX * (NR + 2)];
    uint8_t op_b[GMAX * (NR + 2)];
    uint8_t op_f[GMAX * (NR + 2)];
    fec_out_t rq[RQ];
    fec_in_t rr[NR];
    fec_sym_t sw[SW];
    fec_sym_t rw[RW];
} fec_state_t;

static __inline__ uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static __inline__ void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static __inline__ void gf_init(fec_state_t *st)
{
    uint64_t x = 1;
    for (int i = 0; i < 255; i++) {
        st->gf_exp[i] = (uint8_t)x;
        st->gf_exp[i + 255] = (uint8_t)x;
        st->gf_log[x] = (uint8_t)i;
        x <<= 1;
        if (x & 0x100) x ^= 0x11d;
    }
    st->gf_exp[510] = st->gf_exp[0];
    st->gf_exp[511] = st->gf_exp[1];
}

/* The plugin's state, allocated and configured on first use; NULL without memory. */
static __inline__ fec_state_t *fec_state(picoquic_cnx_t *cnx)
{
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (st != NULL) return st;
    st = (fec_state_t *)my_malloc(cnx, sizeof(fec_state_t));
    if (st == NULL) return NULL;
    my_memset(st, 0, sizeof(fec_state_t));
    set_cnx_metadata(cnx, FEC_SLOT, (uint64_t)st);
    st->next_fpid = 1;
    st->first_unprotected = 1;
    /* Made after the handshake (the first pluglet of a connection to run is write_tp): the
     * plugin was injected into a live connection, which happens when the peer sent it over
     * (plugin exchange) or the application wants it: the peer is taken to run it too. Plugin
     * exchange holds our frames until the peer attached the plugin, the SFPID written by
     * fec_prepare_source included (tests/fec_exchange_test.ts). */
    st->peer_fec = get_cnx(cnx, AK_CNX_HANDSHAKE_DONE, 0) != 0;
    gf_init(st);
    st->scheme = run_noparam(cnx, "fec_scheme", 0, NULL, NULL);
    st->policy = run_noparam(cnx, "fec_protect_policy", 0, NULL, NULL);
    return st;
}

#endif /* FEC_H */
