/* The typed protocol between husk (the parent) and the container's init.
 *
 * They share a SOCK_SEQPACKET socketpair, so each message arrives whole.  A
 * message is a struct hk_sync_hdr followed by `len` bytes of payload.  The
 * conversation of `create`, in order:
 *
 *   init   -> parent  CGROUP_JOINED     (when the container has a cgroup)
 *                                       init has moved itself into it, its
 *                                       very first step, so nothing it forks
 *                                       or allocates is left outside.  The
 *                                       parent reads it before anything init
 *                                       asks, but (unstaged) sends CONFIGURED
 *                                       first so init need not wait; or,
 *   parent -> init    CGROUP_JOINED     when init was cloned into a new user
 *                                       namespace (no rights on the host's
 *                                       cgroupfs), the parent has moved it,
 *                                       and init waits for this first
 *   init   -> parent  USERMAP_REQUEST   init has a new user namespace and
 *                                       waits for uid_map/gid_map
 *   parent -> init    USERMAP_DONE      the maps are written
 *   init   -> parent  INIT_PID          (only when init joins or unshares
 *                                       namespaces itself, "staged") its
 *                                       namespaces exist; when it had to fork
 *                                       to enter a new PID/time namespace,
 *                                       the real init sends it.  The pid
 *                                       travels in SCM_CREDENTIALS so the
 *                                       kernel translates it
 *   parent -> init    CONFIGURED        the parent has set up what it owns
 *                                       (linux.netDevices moved in);
 *                                       init may build the container.  `code`
 *                                       is init's pid as the host sees it
 *                                       (for the state given to hooks)
 *   init   -> parent  CREATE_HOOKS      (only with prestart/createRuntime
 *                                       hooks) the mounts are done, the root
 *                                       not yet entered: run those hooks
 *   parent -> init    CREATE_HOOKS_DONE they succeeded; init runs the
 *                                       createContainer hooks and goes on
 *   init   -> parent  SECCOMP_FD        (only when linux.seccomp has an
 *                                       SCMP_ACT_NOTIFY rule) init loaded the
 *                                       filter; the listener descriptor
 *                                       travels in SCM_RIGHTS.  The parent
 *                                       hands it to listenerPath; init does
 *                                       not wait for that, it goes on
 *   init   -> parent  READY             init is set up
 *   parent -> init    STATE_SAVED       state.json is written; init stops
 *                                       watching for the parent's death and
 *                                       blocks on the exec fifo until `start`
 *   parent -> init    START             (only for `run`, which makes no exec
 *                                       fifo) instead of the fifo: init may
 *                                       go; a socket closed first means the
 *                                       parent died, and init exits
 *
 * `exec` uses the same messages between husk and the process it starts:
 * INIT_PID (always, the process is in the container's PID namespace), then
 * SECCOMP_FD when the filter notifies, then the socket closes on execve.
 *
 * When the process execs through the stub (selfexe.h), the stub holds the
 * socket until its own execve and sends EXEC_ERRNO if that fails.
 *
 * Either side may send ERROR instead (payload: the message; `code`: errno),
 * after which the other side gives up.  A closed socket without READY means
 * init died. */
#ifndef HK_SYNC_H
#define HK_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum hk_sync_msg {
  HK_SYNC_CGROUP_JOINED = 1,
  HK_SYNC_USERMAP_REQUEST,
  HK_SYNC_USERMAP_DONE,
  HK_SYNC_INIT_PID,
  HK_SYNC_CONFIGURED,
  HK_SYNC_CREATE_HOOKS,
  HK_SYNC_CREATE_HOOKS_DONE,
  HK_SYNC_READY,
  HK_SYNC_STATE_SAVED,
  HK_SYNC_ERROR,
  HK_SYNC_SECCOMP_FD,
  /* From the exec stub (exec-stub.c, whose copy of the number must agree):
   * execve() failed; `code` is errno, the payload the path. */
  HK_SYNC_EXEC_ERRNO,
  /* `run` (no exec fifo): the parent, after STATE_SAVED, when init may go. */
  HK_SYNC_START,
};

struct hk_sync_hdr {
  uint32_t type;
  int32_t code;
  uint32_t len;
};

#define HK_SYNC_MAX_PAYLOAD 4096

int hk_sync_send(int fd, enum hk_sync_msg msg, hk_error_t **err);
int hk_sync_send_code(int fd, enum hk_sync_msg msg, int code, hk_error_t **err);

/* Send our own pid with SCM_CREDENTIALS (INIT_PID). */
int hk_sync_send_pid(int fd, hk_error_t **err);

/* Send `msg` with one descriptor, `passfd`, in SCM_RIGHTS (SECCOMP_FD).
 * Only sendmsg(2) is called, as the seccomp filter may already apply. */
int hk_sync_send_fd(int fd, enum hk_sync_msg msg, int passfd, hk_error_t **err);

/* Wait for `expected` carrying one descriptor; *passfd receives it
 * (close-on-exec).  Errors as for hk_sync_expect. */
int hk_sync_expect_fd(int fd, enum hk_sync_msg expected, int *passfd, hk_error_t **err);

/* Report an error to the other side: best effort, never fails. */
void hk_sync_send_error(int fd, const hk_error_t *e);

/* Wait for `expected`.  An ERROR message becomes *err (with the peer's text),
 * EOF becomes "init exited", anything else a protocol error.  For INIT_PID,
 * *value receives the sender's pid as seen from our PID namespace; for the
 * other messages, the message's code. */
int hk_sync_expect(int fd, enum hk_sync_msg expected, int *value, hk_error_t **err);

/* Wait for the peer to exec: the socket closes on exec (0), or the peer
 * sends ERROR because the exec failed (-1 with its message). */
int hk_sync_wait_exec(int fd, hk_error_t **err);

const char *hk_sync_msg_name(enum hk_sync_msg msg);

#endif
