/* `exec`: a new process in a running container.  It joins every namespace
 * of the container's init at once (setns on a pidfd), forks into the PID
 * namespace and applies the process settings like init does. */
#ifndef HK_EXEC_H
#define HK_EXEC_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

struct hk_exec_opts {
  const char *root;
  const char *id;
  const char *process_file; /* --process: a process.json, "-" for stdin */
  char **args;              /* else: the command and its arguments */
  /* The rest changes either process (with --process, -t only turns the
   * terminal on). */
  char **env;               /* -e K=V, added to the container's env */
  const char *cwd;
  bool has_user;
  uint32_t uid, gid;
  bool has_gid;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char **caps; /* -c CAP, added to every set */
  bool no_new_privs;
  const char *apparmor;      /* --apparmor: replaces process.apparmorProfile */
  const char *process_label; /* --process-label: replaces process.selinuxLabel */
  bool tty;
  const char *console_socket;
  bool detach;
  const char *pid_file;
  int preserve_fds;
};

/* In the foreground *status receives the process's exit status (128+N when
 * killed by signal N). */
int hk_container_exec(const struct hk_exec_opts *o, int *status, hk_error_t **err);

#endif
