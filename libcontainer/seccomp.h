/* linux.seccomp: the filter is compiled to BPF by husk itself, before any
 * process is spawned, and loaded by the child with seccomp(2).
 *
 * Compiling in the parent means every mistake in the profile (an unknown
 * action, operator, architecture or flag, an argument index past 5, a flag
 * the kernel lacks) is reported by `create` or `exec` before anything
 * exists, with the JSON path of the culprit.  Loading is then one system
 * call on memory the child inherited (no allocation, no libseccomp), so it
 * can be the child's very last step; where exactly it happens is explained
 * in init.c (seccomp_point).
 *
 * With SCMP_ACT_NOTIFY the kernel hands a listener descriptor to the
 * process that loads the filter; that process passes it to husk over the
 * sync socket (HK_SYNC_SECCOMP_FD), and husk gives it to the agent at
 * listenerPath together with the container process state JSON
 * (hk_seccomp_send_to_listener). */
#ifndef HK_SECCOMP_H
#define HK_SECCOMP_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

struct hk_seccomp_filter;

/* Compile `s` (linux.seccomp of config.json).  Errors name the JSON path:
 * `linux.seccomp.syscalls[3].action: unknown action "X"`; the caller adds
 * the file.  Syscall names unknown on this architecture are skipped with a
 * debug line, as runc does. */
int hk_seccomp_compile(const struct hk_seccomp *s, struct hk_seccomp_filter **out,
                       hk_error_t **err);
void hk_seccomp_filter_free(struct hk_seccomp_filter *f);

/* The filter uses SCMP_ACT_NOTIFY: its listener descriptor must reach the
 * agent at listenerPath. */
bool hk_seccomp_filter_notifies(const struct hk_seccomp_filter *f);

/* Load the filter into the calling process, the child of husk.  seccomp(2)
 * requires no_new_privs or CAP_SYS_ADMIN in the caller's user namespace, so
 * call it after PR_SET_NO_NEW_PRIVS or before dropping capabilities.  When
 * the filter notifies, the listener descriptor goes to husk over sync_fd
 * (HK_SYNC_SECCOMP_FD) and is closed here: the container must never hold
 * it.  On success, seccomp(2) and that sendmsg(2) are the only calls made. */
int hk_seccomp_apply(const struct hk_seccomp_filter *f, int sync_fd, hk_error_t **err);

/* Connect to listenerPath and send notify_fd with SCM_RIGHTS, together with
 * the container process state (config-linux.md): `pid` is the process that
 * loaded the filter, `state` the container's state at that moment. */
int hk_seccomp_send_to_listener(const struct hk_seccomp_filter *f, int notify_fd, int pid,
                                const struct hk_state *state, hk_error_t **err);

/* Fill the seccomp part of the features document: what husk accepts, and
 * (supportedFlags) what the running kernel accepts too. */
void hk_seccomp_features(struct hk_features *f);

static inline void hk_seccomp_filter_freep(struct hk_seccomp_filter **f)
{
  hk_seccomp_filter_free(*f);
}
#define _cleanup_seccomp_filter_ __attribute__((cleanup(hk_seccomp_filter_freep)))

#endif
