/* OverlayFS: `overlay` entries of config.mounts, and husk's layering of the
 * rootfs itself, so that a container never modifies its bundle on disk.
 *
 * Layering is asked for by the annotations run.husk.rootfs.overlay
 * ("ephemeral", or a directory that keeps the upper layer) and
 * run.husk.rootfs.layers (read-only layers above root.path, colon-separated,
 * leftmost on top), or by `create`/`run` --overlay[=DIR] and --layer DIR,
 * which replace the annotations.
 *
 * Where things live, so that nothing is left behind:
 *  - the merged overlay is mounted by the container's init, on root.path,
 *    inside the container's own mount namespace only: the host never sees
 *    it, and it goes away with the namespace, whatever kills the container;
 *  - "ephemeral": the upper and work directories are on a tmpfs that init
 *    mounts, again only in its own namespace, on <root>/<id>/overlay (an
 *    empty directory on the host, removed with the state directory);
 *  - a kept upper directory: its workdir DIR.work-<id> is made by husk
 *    beside it, recorded in <root>/<id>/overlay.record before it is made,
 *    and removed by `delete` (also `delete --force` after a crash).
 * The state's "rootfs" stays root.path, as runc reports it. */
#ifndef HK_OVERLAY_H
#define HK_OVERLAY_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

#define HK_ANNOTATION_OVERLAY "run.husk.rootfs.overlay"
#define HK_ANNOTATION_LAYERS  "run.husk.rootfs.layers"

struct hk_overlay_plan {
  bool enabled;
  char **lowers;   /* absolute, top first, root.path last; NULL-terminated */
  char *upper;     /* the kept upper directory, or NULL */
  char *workdir;   /* its workdir, made by husk */
  bool ephemeral;  /* upper and workdir on a tmpfs in the container's namespace */
  char *tmpfs_dir; /* ephemeral: <root>/<id>/overlay, the tmpfs mount point */
  bool userxattr;  /* in a user namespace: overlay xattrs in user.* */
  uid_t root_uid;  /* host IDs of the container's root, owner of what we make */
  gid_t root_gid;
  const char *what; /* "--overlay" or "annotation run.husk.rootfs.overlay", for errors */
};

/* Read the request (cli_overlay/cli_layers, else the annotations) and check
 * it before anything is made: every layer exists and is a directory, no
 * two layers (root.path included) are the same or nested, the upper
 * directory is none of them and inside none of them.  Relative annotation
 * paths are taken from the bundle.  Nothing requested: p->enabled stays
 * false.  Runs in husk, before the container's init is spawned. */
int hk_overlay_plan_build(struct hk_overlay_plan *p, const struct hk_spec *spec, const char *bundle,
                          const char *rootfs, const char *cli_overlay,
                          const char *const *cli_layers, const char *id, bool new_mntns,
                          bool userns, hk_error_t **err);

/* After the state directory <state_root>/<id> (state_dirfd) is claimed:
 * record, then make, what lives on the host (the ephemeral mount point, or
 * the kept upper directory and its workdir). */
int hk_overlay_prepare(struct hk_overlay_plan *p, int state_dirfd, const char *state_root,
                       const char *id, hk_error_t **err);

/* In init, in its new mount namespace, after root.path was bound onto
 * itself: mount the overlay on root.path. */
int hk_overlay_mount_rootfs(const struct hk_overlay_plan *p, const char *rootfs, hk_error_t **err);

/* Remove what hk_overlay_prepare made on the host, as recorded in the state
 * directory.  `failed_create` also removes an upper directory husk made
 * (if still empty); after a container ran, it holds its writes and stays. */
int hk_overlay_cleanup(int state_dirfd, bool failed_create, hk_error_t **err);

/* The data of an `overlay` entry of config.mounts, rewritten for mount(2):
 * lowerdir/upperdir/workdir paths taken from the bundle when relative, each
 * checked to be a directory, upperdir and workdir neither the same as nor
 * nested with a lower directory. */
int hk_overlay_mount_data(const char *data, const char *bundle, char **out, hk_error_t **err);

void hk_overlay_plan_clear(struct hk_overlay_plan *p);

/* The kernel has overlayfs, or can load it (for `husk features`). */
bool hk_overlay_supported(void);

#endif
