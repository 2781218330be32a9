/* The container lifecycle: the library's public entry points, one per verb
 * of the CLI.  Every function reports failure as -1 with *err set. */
#ifndef HK_CONTAINER_H
#define HK_CONTAINER_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

#define HK_DEFAULT_ROOT "/run/husk"

struct hk_create_opts {
  const char *root; /* state root, e.g. /run/husk */
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  bool systemd_cgroup;
  bool no_cgroup; /* make and join no cgroup; linux.resources is ignored */
  bool detach; /* run -d */
  bool keep;   /* run --keep: leave the state after the container exits */
  /* --overlay[=DIR] and --layer DIR (top first, NULL-terminated): when set,
   * they replace the annotations run.husk.rootfs.overlay and
   * run.husk.rootfs.layers (see overlay.h). */
  const char *overlay; /* "ephemeral" or an absolute directory */
  const char *const *layers;
};

int hk_container_create(const struct hk_create_opts *o, hk_error_t **err);
int hk_container_start(const char *root, const char *id, hk_error_t **err);

/* create + start; in the foreground it forwards signals, waits and stores
 * the exit status in *status (128+N when killed by signal N). */
int hk_container_run(const struct hk_create_opts *o, int *status, hk_error_t **err);

/* The state, with its status refreshed from the process. */
int hk_container_state(const char *root, const char *id, struct hk_state **out,
                       hk_error_t **err);

int hk_container_kill(const char *root, const char *id, int signo, bool all, hk_error_t **err);
int hk_container_delete(const char *root, const char *id, bool force, hk_error_t **err);

/* The cgroup verbs.  pause/resume freeze and thaw every process; update
 * writes new resources to a live container's cgroup. */
int hk_container_pause(const char *root, const char *id, hk_error_t **err);
int hk_container_resume(const char *root, const char *id, hk_error_t **err);
int hk_container_update(const char *root, const char *id, const struct hk_resources *res,
                        hk_error_t **err);

struct hk_cgroup;
/* The container's cgroup (for ps and events) and its refreshed state;
 * "has no cgroup" when it was created without one. */
int hk_container_cgroup(const char *root, const char *id, struct hk_cgroup **cg,
                        struct hk_state **state, hk_error_t **err);

/* "TERM", "SIGTERM", "15" */
int hk_signal_parse(const char *s, int *signo, hk_error_t **err);

#endif
