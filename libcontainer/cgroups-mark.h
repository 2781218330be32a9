/* Finding a container's cgroup without its state.json: the record in its
 * state directory, and the marks on the cgroups husk creates, so that a
 * container whose state directory was removed (the whole state root
 * wiped, say) can still be found and cleaned up by `delete --force`, and by
 * nothing else.
 *
 * Each directory of the container's cgroup carries the extended attribute
 * `trusted.husk.container`: the state root (canonical), the ID, and every
 * directory of the cgroup.  Only a process with CAP_SYS_ADMIN on the host
 * can write trusted.* attributes, so a container cannot forge one; and a
 * mark names one state root, so a cleanup for root A never touches a
 * container of root B with the same ID.  Without that privilege (rootless)
 * no mark is written and nothing can be recovered this way. */
#ifndef HK_CGROUPS_MARK_H
#define HK_CGROUPS_MARK_H

#include "cgroups.h"
#include "error.h"

#define HK_CGROUP_MARK_XATTR "trusted.husk.container"

/* The cgroup's directories ("KEY PATH" lines), recorded in the state
 * directory as soon as they exist, so that a create that crashes before
 * state.json leaves them findable; save_state then writes state.json into
 * this file and renames it (hk_write_file_over). */
#define HK_CGROUP_RECORD "cgroup.record"

int hk_cgroup_record(int dirfd, const struct hk_cgroup *cg, hk_error_t **err);

/* The cgroup of a state directory whose state.json is missing or broken:
 * from the record (its lines; or the state a create killed between the
 * write and the rename left in it), else, for a record cut short or none
 * (it became a state.json broken since), by its mark.  NULL: none. */
struct hk_cgroup *hk_cgroup_recorded(int dirfd, const char *root, const char *id);

/* Mark every directory of `cg` as container `id` of state root `root`.
 * Best effort: a hierarchy that takes no xattr, or no privilege, is only
 * logged at debug level. */
void hk_cgroup_mark(const struct hk_cgroup *cg, const char *root, const char *id);

/* Find the cgroup marked as container `id` of `root`: first where a
 * container without linux.cgroupsPath has it (/<id> in each hierarchy),
 * then anywhere in the cgroup2 hierarchy (on a host without one, in the
 * v1 hierarchies).  1 and *out when found, 0 when not. */
int hk_cgroup_find_marked(const char *root, const char *id, struct hk_cgroup **out);

/* A directory of `cg` to name in messages: the cgroup2 one if any. */
const char *hk_cgroup_some_dir(const struct hk_cgroup *cg);

/* Call `fn` for each cgroup marked as a container of `root` (its ID and
 * one of its directories), where hk_cgroup_find_marked would find it.  With
 * cgroup2 each is met once, by its cgroup2 directory; on a v1-only host
 * once in each hierarchy. */
void hk_cgroup_each_marked(const char *root, void (*fn)(const char *id, const char *dir, void *ctx),
                           void *ctx);

#endif
