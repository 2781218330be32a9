/* process.terminal: a pseudo-terminal made inside the container, whose
 * master is sent over --console-socket (SCM_RIGHTS), as conmon and
 * containerd expect. */
#ifndef HK_TERMINAL_H
#define HK_TERMINAL_H

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

#endif
