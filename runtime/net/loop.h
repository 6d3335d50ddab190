/* The event loop: epoll for readiness, a timer wheel for time.
 * Single-threaded by design: messages of one transaction are handled in
 * arrival order without locks. */
#ifndef SIPCC_NET_LOOP_H
#define SIPCC_NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "core/timer.h"

struct sip_loop;
typedef void (*sip_loop_fn)(struct sip_loop *loop, int fd, uint32_t events, void *arg);

typedef struct sip_loop {
	int epfd;
	volatile int stop;          /* set by sip_loop_stop() (signal-safe) */
	sip_timer_wheel timers;
} sip_loop;

/* Monotonic milliseconds. */
uint64_t sip_loop_clock_ms(void);

int sip_loop_init(sip_loop *loop);
void sip_loop_destroy(sip_loop *loop);
/* Watch fd for EPOLLIN; fn runs on readiness. */
int sip_loop_add_fd(sip_loop *loop, int fd, sip_loop_fn fn, void *arg);
void sip_loop_del_fd(sip_loop *loop, int fd);
/* Run until sip_loop_stop(); returns SIP_OK or SIP_EIO. */
int sip_loop_run(sip_loop *loop);
/* Safe from a signal handler. */
void sip_loop_stop(sip_loop *loop);

#endif
