/* process.terminal: a pseudo-terminal made inside the container.  Its
 * master goes either over --console-socket (SCM_RIGHTS), as conmon and
 * containerd expect, or, for a foreground `run` or `exec` without one, back
 * to husk, which relays it to its own stdin and stdout.  Also the wait of a
 * foreground process: signals forwarded, children reaped. */
#ifndef HK_TERMINAL_H
#define HK_TERMINAL_H

#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

/* Connect to the console socket (in the parent, on the host). */
int hk_console_socket_connect(const char *path, hk_error_t **err);

/* In init, after the root is entered: open a pty from the container's
 * /dev/ptmx, send its master over sockfd, and make the slave the
 * controlling terminal and stdio. */
int hk_terminal_setup(int sockfd, const struct hk_process *p, hk_error_t **err);

/* Send fd over a unix socket with SCM_RIGHTS and a short name. */
int hk_send_fd(int sockfd, int fd, const char *name, hk_error_t **err);

/* The terminal of a foreground process that husk relays itself. */
struct hk_tty_relay;

/* Receive the master that hk_terminal_setup sent over sockfd.  When husk
 * has a terminal (stdin, stdout or stderr), its window size replaces
 * process.consoleSize (unless it is 0x0) and it goes into raw mode until
 * hk_tty_relay_close; without one, the relay works all the same, with
 * consoleSize. */
int hk_tty_relay_open(int sockfd, struct hk_tty_relay **out, hk_error_t **err);

/* Restore husk's terminal as it was and free the relay (NULL: nothing). */
void hk_tty_relay_close(struct hk_tty_relay *r);

/* Wait for the foreground process pid, with every signal blocked by the
 * caller: signals sent to husk are forwarded to pid, children are reaped
 * (husk may be a subreaper), and with a relay its terminal is copied to and
 * from husk's stdin/stdout, SIGWINCH becoming a resize.  *status: pid's
 * exit status, 128+N when killed by signal N. */
int hk_foreground_wait(pid_t pid, struct hk_tty_relay *r, int *status, hk_error_t **err);

#endif
