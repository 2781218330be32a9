/* The OCI runtime-spec v1.3.0 model: C types for config.json, the container
 * state, process.json (exec) and the features document, and the functions
 * that read and write them.  Only oci-specs/ includes yajl; everything else
 * sees plain C structs.
 *
 * Conventions:
 *  - strings are malloc'd, NUL-terminated, valid UTF-8; NULL when absent;
 *  - string arrays are NULL-terminated `char **` with a count beside them;
 *  - optional scalars carry a `has_<field>` flag: absent and zero differ;
 *  - maps are arrays of key/value pairs in document order. */
#ifndef HK_OCI_SPEC_H
#define HK_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libcontainer/error.h"

#define HK_OCI_VERSION "1.3.0"

/* Upper bounds on untrusted input (config.json, process.json, state.json). */
#define HK_SPEC_MAX_FILE_SIZE (16u << 20)   /* bytes in one JSON document */
#define HK_SPEC_MAX_ARRAY 65536             /* elements in any one array */
#define HK_SPEC_MAX_DEPTH 64                /* nesting of objects/arrays */

struct hk_kv {
  char *key;
  char *value;
};

struct hk_kv_list {
  struct hk_kv *items;
  size_t len;
};

struct hk_strv {
  char **v; /* NULL-terminated, NULL when absent */
  size_t len;
};

/* ---- process ---- */

struct hk_console_size {
  uint32_t height, width;
};

struct hk_user {
  uint32_t uid, gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username; /* windows; kept for completeness */
};

struct hk_capabilities {
  struct hk_strv bounding, effective, inheritable, permitted, ambient;
  bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct hk_rlimit {
  char *type; /* "RLIMIT_NOFILE", ... */
  uint64_t soft, hard;
};

struct hk_scheduler {
  char *policy; /* SCHED_OTHER, ... */
  int32_t nice;
  int32_t priority;
  struct hk_strv flags;
  uint64_t runtime, deadline, period;
};

struct hk_io_priority {
  char *class_; /* IOPRIO_CLASS_RT|BE|IDLE */
  int32_t priority;
};

struct hk_exec_cpu_affinity {
  char *initial; /* cpu list, e.g. "0-3,7" */
  char *final;
};

struct hk_process {
  bool terminal;
  bool has_console_size;
  struct hk_console_size console_size;
  struct hk_user user;
  struct hk_strv args;
  char *command_line; /* windows */
  struct hk_strv env;
  char *cwd;
  bool has_capabilities;
  struct hk_capabilities capabilities;
  struct hk_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int32_t oom_score_adj;
  bool has_scheduler;
  struct hk_scheduler scheduler;
  char *selinux_label;
  bool has_io_priority;
  struct hk_io_priority io_priority;
  bool has_exec_cpu_affinity;
  struct hk_exec_cpu_affinity exec_cpu_affinity;
};

/* ---- root, mounts, hooks ---- */

struct hk_root {
  char *path;
  bool readonly;
};

struct hk_id_mapping {
  uint32_t container_id, host_id, size;
};

struct hk_mount {
  char *destination;
  char *source;
  char *type;
  struct hk_strv options;
  struct hk_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct hk_id_mapping *gid_mappings;
  size_t gid_mappings_len;
};

struct hk_hook {
  char *path;
  struct hk_strv args;
  struct hk_strv env;
  bool has_timeout;
  int32_t timeout; /* seconds, > 0 */
};

struct hk_hook_list {
  struct hk_hook *items;
  size_t len;
};

struct hk_hooks {
  struct hk_hook_list prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

/* ---- linux ---- */

struct hk_namespace {
  char *type; /* pid, network, mount, ipc, uts, user, cgroup, time */
  char *path;
};

struct hk_time_offset {
  int64_t secs;
  uint32_t nanosecs;
};

struct hk_time_offsets {
  bool has_monotonic, has_boottime;
  struct hk_time_offset monotonic, boottime;
};

struct hk_device {
  char *type; /* c, b, u, p */
  char *path;
  int64_t major, minor;
  bool has_file_mode, has_uid, has_gid;
  uint32_t file_mode, uid, gid;
};

struct hk_net_device {
  char *host_name; /* key in linux.netDevices */
  char *name;      /* optional new name in the container */
};

struct hk_device_cgroup {
  bool allow;
  char *type; /* a, c, b; NULL means all */
  bool has_major, has_minor;
  int64_t major, minor;
  char *access; /* rwm */
};

struct hk_memory {
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
      has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  uint64_t swappiness;
  bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct hk_cpu {
  bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
      has_idle;
  uint64_t shares;
  int64_t quota;
  uint64_t burst;
  uint64_t period;
  int64_t realtime_runtime;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  int64_t idle;
};

struct hk_weight_device {
  int64_t major, minor;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
};

struct hk_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct hk_throttle_list {
  struct hk_throttle_device *items;
  size_t len;
};

struct hk_block_io {
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
  struct hk_weight_device *weight_device;
  size_t weight_device_len;
  struct hk_throttle_list throttle_read_bps, throttle_write_bps, throttle_read_iops,
      throttle_write_iops;
};

struct hk_hugepage_limit {
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct hk_net_priority {
  char *name;
  uint32_t priority;
};

struct hk_network {
  bool has_class_id;
  uint32_t class_id;
  struct hk_net_priority *priorities;
  size_t priorities_len;
};

struct hk_rdma {
  char *device; /* key */
  bool has_hca_handles, has_hca_objects;
  uint32_t hca_handles, hca_objects;
};

struct hk_resources {
  struct hk_device_cgroup *devices;
  size_t devices_len;
  bool has_memory, has_cpu, has_pids, has_block_io, has_network;
  struct hk_memory memory;
  struct hk_cpu cpu;
  bool has_pids_limit;
  int64_t pids_limit;
  struct hk_block_io block_io;
  struct hk_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct hk_network network;
  struct hk_rdma *rdma;
  size_t rdma_len;
  struct hk_kv_list unified;
};

struct hk_seccomp_arg {
  uint32_t index;
  uint64_t value;
  bool has_value_two;
  uint64_t value_two;
  char *op; /* SCMP_CMP_EQ, ... */
};

struct hk_seccomp_syscall {
  struct hk_strv names;
  char *action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct hk_seccomp_arg *args;
  size_t args_len;
};

struct hk_seccomp {
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  struct hk_strv architectures;
  struct hk_strv flags;
  char *listener_path;
  char *listener_metadata;
  struct hk_seccomp_syscall *syscalls;
  size_t syscalls_len;
};

struct hk_intel_rdt {
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  struct hk_strv schemata;
  bool enable_monitoring;
  bool enable_cmt, enable_mbm; /* pre-1.3 names, still read */
};

struct hk_memory_policy {
  char *mode; /* MPOL_DEFAULT, ... */
  char *nodes;
  struct hk_strv flags;
};

struct hk_personality {
  char *domain; /* LINUX, LINUX32 */
  struct hk_strv flags;
};

struct hk_linux {
  struct hk_namespace *namespaces;
  size_t namespaces_len;
  struct hk_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct hk_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  bool has_time_offsets;
  struct hk_time_offsets time_offsets;
  struct hk_device *devices;
  size_t devices_len;
  struct hk_net_device *net_devices;
  size_t net_devices_len;
  char *cgroups_path;
  bool has_resources;
  struct hk_resources resources;
  char *rootfs_propagation;
  bool has_seccomp;
  struct hk_seccomp seccomp;
  struct hk_kv_list sysctl;
  struct hk_strv masked_paths;
  bool has_masked_paths;
  struct hk_strv readonly_paths;
  bool has_readonly_paths;
  char *mount_label;
  bool has_intel_rdt;
  struct hk_intel_rdt intel_rdt;
  bool has_memory_policy;
  struct hk_memory_policy memory_policy;
  bool has_personality;
  struct hk_personality personality;
};

/* config.json */
struct hk_spec {
  char *oci_version;
  bool has_process;
  struct hk_process process;
  bool has_root;
  struct hk_root root;
  char *hostname;
  char *domainname;
  struct hk_mount *mounts;
  size_t mounts_len;
  bool has_hooks;
  struct hk_hooks hooks;
  struct hk_kv_list annotations;
  bool has_linux;
  struct hk_linux linux_;
};

/* The OCI state, as `husk state` prints it and as <root>/<id>/state.json
 * keeps it (with husk's own fields beside the standard ones). */
struct hk_state {
  char *oci_version;
  char *id;
  char *status; /* creating, created, running, stopped (and paused) */
  int pid;      /* 0 when there is no process */
  char *bundle;
  struct hk_kv_list annotations;
  /* husk's private fields (kept in state.json, not printed by `state`) */
  uint64_t start_time; /* init's start time, /proc/PID/stat field 22 */
  int init_fifo_fd;    /* the exec fifo's descriptor in init; 0: not known */
  char *created;       /* RFC 3339 creation time */
  char *rootfs;        /* absolute rootfs path */
  char *owner;         /* user name or uid of the creator */
  char *cgroup_path;   /* as resolved at create */
  struct hk_kv_list cgroup_paths; /* hierarchy -> directory */
  bool systemd_cgroup;
  bool rootless;
  char *config_path; /* copy of the config used at create (for hooks) */
  bool no_late_hooks; /* that config has no poststart/poststop hooks */
};

/* ---- reading ---- */

/* Parse a JSON document.  `name` ("config.json") prefixes every error, which
 * names the JSON path: `config.json: process.args[0]: expected a string`. */
int hk_spec_parse(const char *json, size_t len, const char *name, struct hk_spec **out,
                  hk_error_t **err);
int hk_spec_load(const char *path, struct hk_spec **out, hk_error_t **err);
void hk_spec_free(struct hk_spec *spec);

/* process.json for `exec --process`. */
int hk_process_parse(const char *json, size_t len, const char *name, struct hk_process **out,
                     hk_error_t **err);
void hk_process_free(struct hk_process *p);

/* linux.resources alone, for `update --resources`. */
int hk_resources_parse(const char *json, size_t len, const char *name,
                       struct hk_resources **out, hk_error_t **err);
void hk_resources_free(struct hk_resources *r);

int hk_state_parse(const char *json, size_t len, const char *name, struct hk_state **out,
                   hk_error_t **err);
void hk_state_free(struct hk_state *s);

/* ---- writing ---- */

/* The OCI state document.  With `private_fields`, husk's own fields are
 * written too (for state.json); without, only the standard ones (for `husk
 * state`).  The result is a malloc'd string. */
int hk_state_to_json(const struct hk_state *s, bool private_fields, bool pretty, char **out,
                     size_t *len, hk_error_t **err);

/* An array of state objects, for `husk list --format json`. */
int hk_state_list_to_json(struct hk_state *const *states, size_t n, char **out, size_t *len,
                          hk_error_t **err);

/* The container process state that a seccomp agent receives at
 * linux.seccomp.listenerPath (config-linux.md): the names of the descriptors
 * sent with SCM_RIGHTS, in order, the pid of the process that loaded the
 * filter, listenerMetadata (NULL: left out) and the container's state. */
int hk_process_state_to_json(const char *const *fds, int pid, const char *metadata,
                             const struct hk_state *state, char **out, size_t *len,
                             hk_error_t **err);

/* The default config.json that `husk spec` writes (like runc's), rootless or
 * not, pretty-printed. */
int hk_spec_default_json(bool rootless, char **out, size_t *len, hk_error_t **err);

/* The features document (runtime-spec features.md).  The caller describes
 * what this build supports; the writer only formats it. */
struct hk_features {
  const char *oci_version_min, *oci_version_max;
  const char *const *hooks;
  const char *const *mount_options;
  const char *const *namespaces;
  const char *const *capabilities;
  bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
  bool seccomp_enabled;
  const char *const *seccomp_actions;
  const char *const *seccomp_operators;
  const char *const *seccomp_archs;
  const char *const *seccomp_known_flags;
  const char *const *seccomp_supported_flags;
  bool apparmor_enabled, selinux_enabled, intel_rdt_enabled;
  bool mount_extensions_idmap_enabled;
  bool net_devices_enabled;
  bool memory_policy_enabled;
  const char *const *memory_policy_modes;
  const char *const *memory_policy_flags;
  struct hk_kv_list annotations;
  const char *const *potentially_unsafe_config_annotations;
};
int hk_features_to_json(const struct hk_features *f, char **out, size_t *len, hk_error_t **err);

#endif
