/* ID mappings: checking every mapping of a config, writing the container's
 * uid_map/gid_map (directly, or through newuidmap/newgidmap without root),
 * and idmapped mounts (mounts[].uidMappings/gidMappings and the idmap and
 * ridmap options).
 *
 * An idmapped mount is made by the parent, before init exists:
 * mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the source's
 * file system, which init no longer has once in its user namespace.  The
 * parent clones the source with open_tree(OPEN_TREE_CLONE), idmaps the
 * detached tree with a user namespace carrying the mapping (one per distinct
 * mapping, made by a short-lived child), and init inherits the tree's
 * descriptor and attaches it with move_mount() at the destination resolved
 * inside its root (mounts.c). */
#ifndef HK_IDMAP_H
#define HK_IDMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "namespaces.h"
#include "oci-specs/spec.h"

/* Check, before anything is created: linux.uidMappings/gidMappings and
 * every mount's mappings (size, overflow, overlapping ranges, count), the
 * idmap/ridmap options, and that process.user is mapped in a new user
 * namespace.  Errors name config_path and the JSON path. */
int hk_idmap_check_spec(const struct hk_spec *spec, const struct hk_ns_plan *plan,
                        const char *config_path, hk_error_t **err);

/* Whether config mount m is idmapped (mappings, or the idmap/ridmap option). */
bool hk_mount_is_idmapped(const struct hk_mount *m);

/* Write /proc/PID/{uid_map,gid_map} from linux.uidMappings/gidMappings (the
 * parent does this for init).  As root, directly; otherwise through
 * newuidmap/newgidmap when they are on $PATH, else directly after denying
 * setgroups (the kernel then allows only one's own uid and gid). */
int hk_userns_write_maps(pid_t pid, const struct hk_linux *lx, hk_error_t **err);

/* Map *uid and *gid through the maps of PID's user namespace to the IDs we
 * see; an ID without a mapping is left as it is (init refuses it, see
 * hk_userns_check_user). */
int hk_userns_map_ids(pid_t pid, uint32_t *uid, uint32_t *gid, hk_error_t **err);

/* After entering the container's user namespace (new or joined): refuse a
 * process.user whose uid, gid or additionalGids have no mapping there. */
int hk_userns_check_user(const struct hk_user *u, hk_error_t **err);

/* The detached, idmapped trees of a config: fds[i] for spec->mounts[i],
 * -1 for a mount that is not idmapped.  Close-on-exec. */
struct hk_idmap_mounts {
  int *fds;
  size_t len;
};

/* Make the trees (in the parent, before spawning init).  `plan` says whether
 * the container has a new or joined user namespace, for the idmap option
 * without mappings. */
int hk_idmap_mounts_prepare(const struct hk_spec *spec, const char *bundle,
                            const struct hk_ns_plan *plan, struct hk_idmap_mounts *out,
                            hk_error_t **err);
void hk_idmap_mounts_clear(struct hk_idmap_mounts *m);
static inline void hk_idmap_mounts_clearp(struct hk_idmap_mounts *m)
{
  hk_idmap_mounts_clear(m);
}
#define _cleanup_idmap_mounts_ __attribute__((cleanup(hk_idmap_mounts_clearp)))

#endif
