/* The container's init: the child side of `create`.  It enters or creates
 * the namespaces, builds the filesystem view, applies the process settings
 * in the order the spec implies, waits for `start` on the exec fifo (for
 * `run`, for START on its sync socket) and
 * execs the user process.  It never returns. */
#ifndef HK_INIT_H
#define HK_INIT_H

#include <stdbool.h>

#include "cgroups.h"
#include "namespaces.h"
#include "seccomp.h"
#include "overlay.h"
#include "oci-specs/spec.h"

struct hk_init_args {
  const struct hk_spec *spec;
  const struct hk_ns_plan *plan;
  const char *id;
  const char *rootfs; /* absolute */
  const char *bundle; /* absolute */
  int sync_fd;
  int peer_fd;   /* the parent's end of the sync socket, closed at once */
  int fifo_fd;   /* O_PATH descriptor of the exec fifo; -1: START on sync_fd (run) */
  int close_fd;  /* the parent's state lock, closed at once */
  int console_fd; /* connected --console-socket, or -1 */
  bool staged;   /* namespaces are joined/unshared here, not by clone() */
  const struct hk_cgroup *cgroup; /* the container's, or NULL */
  bool cgroup_self;    /* enter it first thing, then send CGROUP_JOINED */
  bool cgroup_v2_done; /* cloned into its cgroup2 directory already */
  bool cgroupns;    /* unshare the cgroup namespace once in the cgroup */
  bool no_pivot;
  const struct hk_overlay_plan *overlay; /* rootfs layering, see overlay.h */
  bool no_new_keyring;
  int preserve_fds;
  const struct hk_seccomp_filter *seccomp; /* compiled by the parent, or NULL */
  /* Idmapped mount trees made by the parent, inherited through clone: one
   * per config mount, -1 for the others (NULL when none); each is closed
   * once attached.  See idmap.h. */
  const int *idmap_fds;
};

__attribute__((noreturn)) void hk_init_main(const struct hk_init_args *a);

#endif
