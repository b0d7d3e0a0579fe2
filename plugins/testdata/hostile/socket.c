/* Hostile: reaches for a socket, which no helper offers. */
#include "pquic.h"

extern int socket(int domain, int type, int protocol);

protoop_arg_t open_socket(picoquic_cnx_t *cnx)
{
    return socket(2, 2, 0);
}
