/* Settings of process: rlimits, user and groups (with capabilities around
 * the change of user), and the lookup of the executable in $PATH. */
#ifndef HK_PROCESS_H
#define HK_PROCESS_H

#include "error.h"
#include "oci-specs/spec.h"

int hk_rlimit_from_name(const char *name);
int hk_rlimits_apply(const struct hk_process *p, hk_error_t **err);

/* Groups, gid and uid, keeping capabilities across the change, then the
 * capability sets (when process.capabilities is given). */
int hk_user_apply(const struct hk_process *p, hk_error_t **err);

/* Write process.oomScoreAdj to /proc/PID/oom_score_adj, from husk (so the
 * kernel judges husk's right to lower it, and a user namespace does not
 * get in the way). */
int hk_oom_score_adj_apply(pid_t pid, const struct hk_process *p, hk_error_t **err);

/* Change to process.cwd, resolved inside the current root (never through
 * a /proc magic link such as /proc/self/fd/N), and make sure the result is
 * below the root. */
int hk_process_chdir(const char *cwd, hk_error_t **err);

/* Resolve args[0] with the PATH of the process's env (as execvp would, but
 * ahead of time, so a missing executable fails `create`, as with runc). */
int hk_exec_lookup(const struct hk_process *p, char **path, hk_error_t **err);

#endif
