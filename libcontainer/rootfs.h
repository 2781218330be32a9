/* The container's filesystem view: propagation, the rootfs bind, the config
 * mounts and /dev, entering the root (pivot_root or MS_MOVE + chroot), and
 * the masked, read-only and read-only-root settings. */
#ifndef HK_ROOTFS_H
#define HK_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"
#include "overlay.h"

struct hk_rootfs_opts {
  const struct hk_spec *spec;
  const char *rootfs; /* absolute */
  const char *bundle; /* absolute */
  bool no_pivot;
  bool in_userns;
  const struct hk_overlay_plan *overlay; /* mounted over rootfs, or NULL */
  bool own_cgroupns;
  const int *idmap_fds; /* per config mount, see idmap.h; NULL when none */
  /* Called after the mounts, before entering the root (hooks). */
  int (*before_enter)(void *data, hk_error_t **err);
  void *data;
};

/* Everything up to and including entering the root.  Runs in init, in its
 * new mount namespace. */
int hk_rootfs_setup(const struct hk_rootfs_opts *o, hk_error_t **err);

/* After entering the root: masked and read-only paths, rootfsPropagation,
 * root.readonly. */
int hk_rootfs_finalize(const struct hk_rootfs_opts *o, hk_error_t **err);

#endif
