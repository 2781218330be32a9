/* config.mounts: option parsing and the mounting of one entry inside the
 * container's root. */
#ifndef HK_MOUNTS_H
#define HK_MOUNTS_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

struct hk_mount_opts {
  unsigned long flags;       /* MS_* to set */
  unsigned long propagation; /* MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE [|MS_REC] */
  bool bind, recursive;
  bool tmpcopyup;
  bool idmap, ridmap; /* the mount is idmapped (see idmap.h), recursively */
  char *data; /* filesystem-specific options, comma-separated */
};

int hk_mount_parse_options(const struct hk_mount *m, struct hk_mount_opts *o, hk_error_t **err);
void hk_mount_opts_clear(struct hk_mount_opts *o);

/* What the mounts need to know about the container. */
struct hk_mount_ctx {
  const char *bundle; /* relative bind sources are taken from here */
  bool in_userns;     /* a user namespace of its own or joined */
  bool own_cgroupns;  /* a cgroup namespace of its own or joined */
};

/* Mount m (config.mounts[idx]) below rootfd.  An idmapped mount is attached
 * from tree_fd, the detached tree the parent made (see idmap.h);
 * hk_mount_apply closes it.  -1 for any other mount. */
int hk_mount_apply(int rootfd, const struct hk_mount_ctx *ctx, const struct hk_mount *m, size_t idx,
                   int tree_fd, hk_error_t **err);

/* Remount the bind mount at fd with flags, adding the flags a user namespace
 * keeps locked when the plain remount is refused. */
int hk_remount_bind(int fd, unsigned long flags, hk_error_t **err);

/* Mount over the fd's mount point path "/proc/self/fd/N". */
#define HK_FD_PATH_MAX 32
void hk_fd_path(char buf[HK_FD_PATH_MAX], int fd);

#endif
