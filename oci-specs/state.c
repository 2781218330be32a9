/* The container state: what `husk state` and `husk list --format json`
 * print, and the state.json that husk keeps in <root>/<id>/; and the
 * container process state that wraps it for a seccomp agent.
 *
 * Public keys, in runc's order: ociVersion, id, pid, status, bundle, rootfs,
 * created, owner, and annotations when there are any.
 *
 * husk's private keys, only in state.json (private_fields):
 *   startTime      integer  init's start time (/proc/PID/stat field 22),
 *                           to notice a recycled pid
 *   initFifoFd     integer  the number of init's descriptor of the exec
 *                           fifo, held until `start` releases it
 *   cgroupPath     string   the cgroup as resolved at create
 *   cgroupPaths    object   each hierarchy's directory of the container's
 *                           cgroup: {"memory": "/sys/fs/cgroup/memory/x",
 *                           "unified": "/sys/fs/cgroup/unified/x", ...}
 *   systemdCgroup  boolean  the cgroup is managed through systemd
 *   rootless       boolean  created without root privileges
 *   configPath     string   the copy of config.json used at create
 *   noLateHooks    boolean  (only when true) that config has no poststart
 *                           or poststop hooks: start and delete need not
 *                           read it
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/json.h"

static int read_state(struct hk_jctx *c, hk_jval root, struct hk_state *s)
{
  int64_t pid = 0, fifo_fd = 0;

  if (hk_json_string(c, root, "ociVersion", &s->oci_version) < 0 ||
      hk_json_string(c, root, "id", &s->id) < 0 ||
      hk_json_string(c, root, "status", &s->status) < 0 ||
      hk_json_int(c, root, "pid", 0, INT_MAX, &pid, NULL) < 0 ||
      hk_json_string(c, root, "bundle", &s->bundle) < 0 ||
      hk_json_string(c, root, "rootfs", &s->rootfs) < 0 ||
      hk_json_string(c, root, "created", &s->created) < 0 ||
      hk_json_string(c, root, "owner", &s->owner) < 0 ||
      hk_json_kv(c, root, "annotations", &s->annotations) < 0 ||
      hk_json_u64(c, root, "startTime", &s->start_time, NULL) < 0 ||
      hk_json_int(c, root, "initFifoFd", 0, INT_MAX, &fifo_fd, NULL) < 0 ||
      hk_json_string(c, root, "cgroupPath", &s->cgroup_path) < 0 ||
      hk_json_kv(c, root, "cgroupPaths", &s->cgroup_paths) < 0 ||
      hk_json_bool(c, root, "systemdCgroup", &s->systemd_cgroup, NULL) < 0 ||
      hk_json_bool(c, root, "rootless", &s->rootless, NULL) < 0 ||
      hk_json_string(c, root, "configPath", &s->config_path) < 0 ||
      hk_json_bool(c, root, "noLateHooks", &s->no_late_hooks, NULL) < 0)
    return -1;
  s->pid = (int)pid;
  s->init_fifo_fd = (int)fifo_fd;
  return 0;
}

int hk_state_parse(const char *json, size_t len, const char *name, struct hk_state **out,
                   hk_error_t **err)
{
  struct hk_jctx c;
  hk_jval root;
  struct hk_state *s;
  int ret;

  *out = NULL;
  if (hk_json_open(&c, json, len, name, err, &root) < 0)
    return -1;
  s = hk_xmalloc0(sizeof(*s));
  ret = read_state(&c, root, s);
  hk_json_done(&c, root);
  if (ret < 0) {
    hk_state_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void hk_state_free(struct hk_state *s)
{
  if (s == NULL)
    return;
  free(s->oci_version);
  free(s->id);
  free(s->status);
  free(s->bundle);
  hk_json_kv_clear(&s->annotations);
  free(s->created);
  free(s->rootfs);
  free(s->owner);
  free(s->cgroup_path);
  hk_json_kv_clear(&s->cgroup_paths);
  free(s->config_path);
  free(s);
}

static void write_state(hk_jgen g, const struct hk_state *s, bool private_fields)
{
  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "ociVersion", s->oci_version ? s->oci_version : HK_OCI_VERSION);
  hk_jgen_key_str(g, "id", s->id);
  hk_jgen_key_int(g, "pid", s->pid);
  hk_jgen_key_str(g, "status", s->status);
  hk_jgen_key_str(g, "bundle", s->bundle);
  /* runc's extras; absent from the state that hooks receive. */
  if (s->rootfs)
    hk_jgen_key_str(g, "rootfs", s->rootfs);
  if (s->created)
    hk_jgen_key_str(g, "created", s->created);
  if (s->owner)
    hk_jgen_key_str(g, "owner", s->owner);
  if (s->annotations.len > 0)
    hk_jgen_key_kv(g, "annotations", &s->annotations);
  if (private_fields) {
    hk_jgen_key_uint(g, "startTime", s->start_time);
    if (s->init_fifo_fd > 0)
      hk_jgen_key_int(g, "initFifoFd", s->init_fifo_fd);
    if (s->cgroup_path)
      hk_jgen_key_str(g, "cgroupPath", s->cgroup_path);
    if (s->cgroup_paths.len > 0)
      hk_jgen_key_kv(g, "cgroupPaths", &s->cgroup_paths);
    hk_jgen_key_bool(g, "systemdCgroup", s->systemd_cgroup);
    hk_jgen_key_bool(g, "rootless", s->rootless);
    if (s->config_path)
      hk_jgen_key_str(g, "configPath", s->config_path);
    if (s->no_late_hooks)
      hk_jgen_key_bool(g, "noLateHooks", true);
  }
  hk_jgen_map_close(g);
}

int hk_state_to_json(const struct hk_state *s, bool private_fields, bool pretty, char **out,
                     size_t *len, hk_error_t **err)
{
  hk_jgen g = hk_jgen_new(pretty ? "  " : NULL);

  write_state(g, s, private_fields);
  return hk_jgen_finish(g, "state", out, len, err);
}

int hk_state_list_to_json(struct hk_state *const *states, size_t n, char **out, size_t *len,
                          hk_error_t **err)
{
  hk_jgen g = hk_jgen_new(NULL);

  hk_jgen_array_open(g);
  for (size_t i = 0; i < n; i++)
    write_state(g, states[i], false);
  hk_jgen_array_close(g);
  return hk_jgen_finish(g, "container list", out, len, err);
}

int hk_process_state_to_json(const char *const *fds, int pid, const char *metadata,
                             const struct hk_state *state, char **out, size_t *len,
                             hk_error_t **err)
{
  hk_jgen g = hk_jgen_new(NULL);

  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "ociVersion", HK_OCI_VERSION);
  hk_jgen_key_strv(g, "fds", fds);
  hk_jgen_key_int(g, "pid", pid);
  if (metadata)
    hk_jgen_key_str(g, "metadata", metadata);
  hk_jgen_key(g, "state");
  write_state(g, state, false);
  hk_jgen_map_close(g);
  return hk_jgen_finish(g, "container process state", out, len, err);
}
