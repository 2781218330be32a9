/* Cgroups through cgroupfs, on pure v2, v1 and hybrid hosts.
 *
 * There is one manager for all three layouts.  Each controller lives in
 * exactly one place: its own v1 hierarchy when one is mounted, else the
 * cgroup2 hierarchy when the controller is available there.  A pure v2 host
 * has only the second kind, a v1 host only the first, and a hybrid host
 * (v1 controllers, cgroup2 at /sys/fs/cgroup/unified) a mix: this is why
 * the choice is made per controller rather than per host.  The writers of
 * each version are in cgroups-v1.c and cgroups-v2.c; device rules on v2
 * compile to eBPF in cgroups-bpf.c.
 *
 * A container's cgroup is a set of directories, one per hierarchy, kept in
 * state.json ("cgroupPaths") so that later commands never re-resolve a
 * relative path against a runtime that may now sit elsewhere. */
#ifndef HK_CGROUPS_H
#define HK_CGROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

enum hk_cgroup_layout { HK_CGROUP_LEGACY, HK_CGROUP_HYBRID, HK_CGROUP_UNIFIED };

/* The controllers husk manages.  HK_CG_BLKIO is "io" on v2. */
enum hk_cg_controller {
  HK_CG_CPU,
  HK_CG_CPUACCT,
  HK_CG_CPUSET,
  HK_CG_MEMORY,
  HK_CG_PIDS,
  HK_CG_BLKIO,
  HK_CG_HUGETLB,
  HK_CG_DEVICES,
  HK_CG_FREEZER,
  HK_CG_NET_CLS,
  HK_CG_NET_PRIO,
  HK_CG_RDMA,
  HK_CG_PERF_EVENT,
  HK_CG_MISC,
  HK_CG_SYSTEMD, /* the named v1 hierarchy name=systemd: paths only */
  HK_CG_COUNT
};

struct hk_cgroup {
  enum hk_cgroup_layout layout;
  char *v1[HK_CG_COUNT]; /* the container's directory per v1 controller */
  char *v2;              /* its directory in the cgroup2 hierarchy */
  unsigned v2_mask;      /* controllers served by v2 (1 << HK_CG_x) */
  bool created_v2;       /* we made v2 (and so may remove it) */
};

/* What `create` asks for. */
struct hk_cgroup_request {
  const char *id;
  const char *cgroups_path; /* linux.cgroupsPath, or NULL */
  bool systemd;             /* --systemd-cgroup */
  const char *config_name;  /* "config.json" path, prefixes errors */
};

/* Name of a controller on v1 ("blkio") and on v2 ("io"). */
const char *hk_cg_name(enum hk_cg_controller c, bool v2);

/* The host's layout, from statfs of /sys/fs/cgroup (and .../unified). */
int hk_cgroup_detect(enum hk_cgroup_layout *layout, hk_error_t **err);

/* Make the container's cgroup (every hierarchy), empty and ready.  Fails
 * with a clear error when a resource in `res` needs a controller the host
 * lacks, before anything is created. */
int hk_cgroup_create(const struct hk_cgroup_request *req, const struct hk_resources *res,
                     struct hk_cgroup **out, hk_error_t **err);

/* Write the resources.  `devs` (linux.devices) are allowed after the
 * configured device rules and the default ones.  `update` applies the rules
 * that differ for a live container (memory.checkBeforeUpdate).  `what`
 * ("config.json", "update") prefixes errors, which name the JSON path. */
int hk_cgroup_apply(struct hk_cgroup *cg, const struct hk_resources *res,
                    const struct hk_device *devs, size_t ndevs, bool update, const char *what,
                    hk_error_t **err);

/* Move a process into the cgroup, in every hierarchy but the cgroup2 one
 * when `v2_done` (it was cloned there, see hk_cgroup_v2_clone_fd).  pid 0
 * moves the caller, which must be single-threaded: on v1 that is the cheap
 * way, see cgroups.c. */
int hk_cgroup_enter(const struct hk_cgroup *cg, pid_t pid, bool v2_done, hk_error_t **err);

/* An fd on the cgroup2 directory for clone3(CLONE_INTO_CGROUP), or -1 when
 * the cgroup has none.  The clone lands there; it still has to enter the
 * v1 hierarchies, if any. */
int hk_cgroup_v2_clone_fd(const struct hk_cgroup *cg);

/* Freeze or thaw, waiting until the kernel reports the new state. */
int hk_cgroup_freeze(const struct hk_cgroup *cg, bool freeze, hk_error_t **err);
/* Whether it is frozen now. */
bool hk_cgroup_frozen(const struct hk_cgroup *cg);

/* Whether the cgroup recorded in a state's "cgroupPaths" is frozen. */
bool hk_cgroup_paths_frozen(const struct hk_kv_list *kv);

/* Every process in the cgroup and its descendants, sorted. */
int hk_cgroup_pids(const struct hk_cgroup *cg, pid_t **pids, size_t *n, hk_error_t **err);

/* Signal every process in it (frozen meanwhile, so none escapes by
 * forking); SIGKILL uses cgroup.kill where the kernel has it. */
int hk_cgroup_signal_all(const struct hk_cgroup *cg, int signo, hk_error_t **err);

/* Remove the cgroup (and any child cgroups the container made), waiting a
 * little for processes that are still exiting. */
int hk_cgroup_destroy(const struct hk_cgroup *cg, hk_error_t **err);

/* To and from the state's "cgroupPaths". */
void hk_cgroup_to_kv(const struct hk_cgroup *cg, struct hk_kv_list *kv);
int hk_cgroup_from_kv(const struct hk_kv_list *kv, struct hk_cgroup **out, hk_error_t **err);

void hk_cgroup_free(struct hk_cgroup *cg);
static inline void hk_cgroup_freep(struct hk_cgroup **cg)
{
  hk_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(hk_cgroup_freep)))

/* ---- statistics (events --stats) ---- */

struct hk_cg_memory_entry {
  uint64_t usage, max, limit, failcnt;
};

struct hk_cg_hugetlb {
  char size[16];
  uint64_t usage, max, failcnt;
};

struct hk_cg_blkio_entry {
  uint64_t major, minor;
  char op[16];
  uint64_t value;
};

struct hk_cg_blkio_list {
  struct hk_cg_blkio_entry *items;
  size_t len;
};

/* cpuset: cpus and mems as lists of numbers, the v1 flags as they read. */
struct hk_cg_cpuset_stats {
  uint16_t *cpus, *mems;
  size_t cpus_len, mems_len;
  uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
      memory_spread_slab, memory_pressure, sched_load_balance;
  int64_t sched_relax_domain_level;
};

struct hk_cgroup_stats {
  /* cpu, nanoseconds */
  uint64_t cpu_total, cpu_kernel, cpu_user;
  uint64_t *cpu_percpu;
  size_t cpu_percpu_len;
  uint64_t throttling_periods, throttled_periods, throttled_time;
  /* memory */
  uint64_t memory_cache;
  struct hk_cg_memory_entry memory_usage, memory_swap, memory_kernel, memory_kernel_tcp;
  bool memory_use_hierarchy;
  struct hk_kv_list memory_raw; /* memory.stat, values as decimal strings */
  /* pids */
  uint64_t pids_current, pids_limit; /* limit 0: unlimited */
  /* blkio */
  struct hk_cg_blkio_list io_service_bytes, io_serviced;
  /* hugetlb */
  struct hk_cg_hugetlb *hugetlb;
  size_t hugetlb_len;
  /* v1 cpuacct.usage_all, per cpu, nanoseconds */
  uint64_t *cpu_percpu_kernel, *cpu_percpu_user;
  size_t cpu_percpu_kernel_len, cpu_percpu_user_len;
  /* v1 blkio lists beyond the two above (CFQ, and BFQ with debug stats) */
  struct hk_cg_blkio_list io_queued, io_service_time, io_wait_time, io_merged, io_time, sectors;
  struct hk_cg_cpuset_stats cpuset;
};

int hk_cgroup_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st, hk_error_t **err);
void hk_cgroup_stats_clear(struct hk_cgroup_stats *st);

/* ---- internal: shared by cgroups*.c ---- */

/* Where to walk a cgroup path from: for a path below /sys/fs/cgroup, a
 * descriptor of /sys/fs/cgroup that the process opens once, with *rel the
 * rest of the path; else AT_FDCWD and the path itself.  See cgroups.c. */
int hk_cg_at(const char *path, const char **rel);
/* openat() of a cgroup path from there, close-on-exec. */
int hk_cg_open(const char *path, int flags);

/* The directory that serves controller c (v1 or v2), or NULL. */
const char *hk_cg_dir(const struct hk_cgroup *cg, enum hk_cg_controller c, bool *is_v2);

/* Write / read one cgroup file: errors name the file and the value. */
int hk_cg_write(const char *dir, const char *file, const char *value, hk_error_t **err);
int hk_cg_writef(const char *dir, const char *file, hk_error_t **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
char *hk_cg_read(const char *dir, const char *file);
bool hk_cg_read_u64(const char *dir, const char *file, uint64_t *v);
bool hk_cg_exists(const char *dir, const char *file);

/* hk_cg_write, with errors as "WHAT: JSON: write ...". */
int hk_cg_set(const char *dir, const char *file, const char *what, const char *json,
              hk_error_t **err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The device rules to enforce (configured, defaults, linux.devices). */
struct hk_cg_rules {
  const struct hk_device_cgroup *v;
  size_t len;
};

/* Each writes the controllers that its version serves in `cg`. */
int hk_cg_v1_apply(struct hk_cgroup *cg, const struct hk_resources *res,
                   const struct hk_cg_rules *rules, bool update, const char *what,
                   hk_error_t **err);
int hk_cg_v2_apply(struct hk_cgroup *cg, const struct hk_resources *res,
                   const struct hk_cg_rules *rules, bool update, const char *what,
                   hk_error_t **err);

/* Huge page sizes of this host as cgroup files name them ("2MB", "1GB"). */
size_t hk_cg_hugepage_sizes(char (*names)[16], size_t max);
void hk_cg_v1_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st);
void hk_cg_v2_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st);

/* The device rules husk always allows after the configured ones (the
 * default devices of the runtime-spec, and pseudo-terminals), as runc. */
extern const struct hk_device_cgroup hk_cg_default_device_rules[];
extern const size_t hk_cg_default_device_rules_len;

/* Attach a BPF_CGROUP_DEVICE program for `rules` (the configured ones
 * followed by the defaults) to the cgroup2 directory, replacing one husk
 * attached before. */
int hk_cg_bpf_devices(const char *dir, const struct hk_device_cgroup *rules, size_t n,
                      hk_error_t **err);

/* Conversions used by the v2 writers (the ecosystem's formulas). */
uint64_t hk_cg_shares_to_weight(uint64_t shares);
uint64_t hk_cg_blkio_to_io_weight(uint64_t weight);

#endif
