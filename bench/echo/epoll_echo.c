/*
 * The load generator's own floor: a single-threaded epoll server in C that answers every Diameter message with its
 * own bytes, R bit cleared (RFC 6733 §3), and CER with a minimal CEA (Result-Code 2001, RFC 6733 §5.3). It does
 * next to nothing per message, so in open loop the latency it shows is the generator's and the kernel's: what every
 * other server's figure includes. Built by bench/run with gcc; `epoll_echo PORT`, prints "ready" once listening on
 * 127.0.0.1 and runs until killed.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER (1 << 18)

struct connection { int fd; int filled; unsigned char in[BUFFER]; };

static unsigned char out[2 * BUFFER];

static int answer(const unsigned char *m, int length, unsigned char *to)
{
    unsigned command = (unsigned)m[5] << 16 | (unsigned)m[6] << 8 | m[7];
    if (command == 257 && (m[4] & 0x80)) {
        /* CEA: version 1, length 32, flags 0, code 257, the CER's Application-ID and identifiers, Result-Code 2001. */
        static const unsigned char result_code[12] = { 0, 0, 1, 12, 0x40, 0, 0, 12, 0, 0, 0x07, 0xD1 };
        unsigned char cea[32] = { 1, 0, 0, 32, 0, 0, 1, 1 };
        memcpy(cea + 8, m + 8, 12);
        memcpy(cea + 20, result_code, 12);
        memcpy(to, cea, sizeof cea);
        return sizeof cea;
    }
    memcpy(to, m, length);
    to[4] &= 0x7F;
    return length;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: epoll_echo PORT\n"); return 2; }
    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(0x7F000001) };
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0) { perror("listen"); return 1; }
    int poll = epoll_create1(0);
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        struct epoll_event events[64];
        int n = epoll_wait(poll, events, 64, -1);
        for (int i = 0; i < n; i++) {
            struct connection *c = events[i].data.ptr;
            if (c == NULL) {
                int fd = accept(listener, NULL, NULL);
                if (fd < 0) continue;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = calloc(1, sizeof *c);
                c->fd = fd;
                struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };
                epoll_ctl(poll, EPOLL_CTL_ADD, fd, &e);
                continue;
            }
            ssize_t r = read(c->fd, c->in + c->filled, BUFFER - c->filled);
            if (r <= 0) { close(c->fd); free(c); continue; }
            c->filled += r;
            int at = 0, written = 0;
            while (c->filled - at >= 20) {
                const unsigned char *m = c->in + at;
                int length = m[1] << 16 | m[2] << 8 | m[3];
                if (length < 20 || length > BUFFER) { c->filled = at = 0; break; }   /* not Diameter: drop the bytes */
                if (c->filled - at < length) break;
                written += answer(m, length, out + written);
                at += length;
            }
            memmove(c->in, c->in + at, c->filled - at);
            c->filled -= at;
            for (int sent = 0; sent < written;) {
                ssize_t w = write(c->fd, out + sent, written - sent);
                if (w <= 0) break;
                sent += w;
            }
        }
    }
}
