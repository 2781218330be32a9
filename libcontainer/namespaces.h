/* Namespace types of the runtime-spec and the kernel's clone flags. */
#ifndef HK_NAMESPACES_H
#define HK_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* CLONE_NEW* for a spec type ("pid", "network", ...), 0 if unknown. */
int hk_ns_flag(const char *type);
/* The name under /proc/PID/ns/ for a CLONE_NEW* flag. */
const char *hk_ns_proc_name(int flag);

/* What a config asks for: namespaces to create and namespaces to join. */
struct hk_ns_plan {
  int new_flags; /* CLONE_NEW* to create */
  int join_flags;
  const char *join_path[8]; /* indexed by hk_ns_index() */
};

int hk_ns_index(int flag);
int hk_ns_plan_build(const struct hk_linux *lx, struct hk_ns_plan *plan, hk_error_t **err);

/* setns() into the namespace at path, checking it is of the expected type. */
int hk_ns_join(const char *path, int flag, hk_error_t **err);

/* Writing uid_map/gid_map and checking mappings: see idmap.h. */

/* The host ID that container ID `id` maps to; false when unmapped. */
bool hk_userns_host_id(const struct hk_id_mapping *m, size_t n, uint32_t id, uint32_t *host);

/* Write /proc/self/timens_offsets (after unshare(CLONE_NEWTIME)). */
/* Refuse a linux.sysctl key that the container's namespaces do not make its
 * own (it would change the host): kernel.{msg,sem,shm}* and fs.mqueue.* need
 * an IPC namespace, net.* a network namespace, kernel.hostname and
 * kernel.domainname a UTS namespace.  `flags`: new or joined namespaces. */
int hk_sysctl_check(const struct hk_kv_list *sysctl, int flags, const char *what,
                    hk_error_t **err);

int hk_timens_write_offsets(const struct hk_time_offsets *t, hk_error_t **err);

#endif
