/* The default config.json written by `husk spec`: the same content as
 * `runc spec` (and `runc spec --rootless`), with husk's version and
 * hostname, tab-indented like runc's output. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "libcontainer/utils.h"
#include "oci-specs/json.h"

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};

static const char *const masked_paths[] = {"/proc/acpi",
                                           "/proc/asound",
                                           "/proc/kcore",
                                           "/proc/keys",
                                           "/proc/latency_stats",
                                           "/proc/timer_list",
                                           "/proc/timer_stats",
                                           "/proc/sched_debug",
                                           "/sys/firmware",
                                           "/proc/scsi",
                                           NULL};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

struct default_mount {
  const char *destination, *type, *source;
  const char *const options[8];
};

static const struct default_mount mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* Without root, /dev/pts cannot use gid=5 (no such group is mapped) and
 * sysfs cannot be mounted without a network namespace: bind the host's. */
static const struct default_mount rootless_devpts = {
    "/dev/pts",
    "devpts",
    "devpts",
    {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL}};
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static void write_process(hk_jgen g)
{
  hk_jgen_key(g, "process");
  hk_jgen_map_open(g);
  hk_jgen_key_bool(g, "terminal", true);
  hk_jgen_key(g, "user");
  hk_jgen_map_open(g);
  hk_jgen_key_int(g, "uid", 0);
  hk_jgen_key_int(g, "gid", 0);
  hk_jgen_map_close(g);
  hk_jgen_key_strv(g, "args", (const char *const[]){"sh", NULL});
  hk_jgen_key_strv(g, "env", default_env);
  hk_jgen_key_str(g, "cwd", "/");
  hk_jgen_key(g, "capabilities");
  hk_jgen_map_open(g);
  hk_jgen_key_strv(g, "bounding", default_caps);
  hk_jgen_key_strv(g, "effective", default_caps);
  hk_jgen_key_strv(g, "permitted", default_caps);
  hk_jgen_key_strv(g, "ambient", default_caps);
  hk_jgen_map_close(g);
  hk_jgen_key(g, "rlimits");
  hk_jgen_array_open(g);
  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "type", "RLIMIT_NOFILE");
  hk_jgen_key_uint(g, "hard", 1024);
  hk_jgen_key_uint(g, "soft", 1024);
  hk_jgen_map_close(g);
  hk_jgen_array_close(g);
  hk_jgen_key_bool(g, "noNewPrivileges", true);
  hk_jgen_map_close(g);
}

static void write_mount(hk_jgen g, const struct default_mount *m)
{
  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "destination", m->destination);
  hk_jgen_key_str(g, "type", m->type);
  hk_jgen_key_str(g, "source", m->source);
  if (m->options[0])
    hk_jgen_key_strv(g, "options", m->options);
  hk_jgen_map_close(g);
}

static void write_mounts(hk_jgen g, bool rootless)
{
  hk_jgen_key(g, "mounts");
  hk_jgen_array_open(g);
  for (size_t i = 0; i < HK_ARRAY_SIZE(mounts); i++) {
    const struct default_mount *m = &mounts[i];
    if (rootless && strcmp(m->destination, "/dev/pts") == 0)
      m = &rootless_devpts;
    else if (rootless && strcmp(m->destination, "/sys") == 0)
      m = &rootless_sys;
    write_mount(g, m);
  }
  hk_jgen_array_close(g);
}

static void write_id_mapping(hk_jgen g, const char *key, unsigned host_id)
{
  hk_jgen_key(g, key);
  hk_jgen_array_open(g);
  hk_jgen_map_open(g);
  hk_jgen_key_uint(g, "containerID", 0);
  hk_jgen_key_uint(g, "hostID", host_id);
  hk_jgen_key_uint(g, "size", 1);
  hk_jgen_map_close(g);
  hk_jgen_array_close(g);
}

static void write_linux(hk_jgen g, bool rootless)
{
  static const char *const root_ns[] = {"pid", "network", "ipc", "uts", "mount", NULL};
  static const char *const rootless_ns[] = {"pid", "ipc", "uts", "mount", "user", NULL};

  hk_jgen_key(g, "linux");
  hk_jgen_map_open(g);
  if (rootless) {
    write_id_mapping(g, "uidMappings", geteuid());
    write_id_mapping(g, "gidMappings", getegid());
  } else {
    hk_jgen_key(g, "resources");
    hk_jgen_map_open(g);
    hk_jgen_key(g, "devices");
    hk_jgen_array_open(g);
    hk_jgen_map_open(g);
    hk_jgen_key_bool(g, "allow", false);
    hk_jgen_key_str(g, "access", "rwm");
    hk_jgen_map_close(g);
    hk_jgen_array_close(g);
    hk_jgen_map_close(g);
  }
  hk_jgen_key(g, "namespaces");
  hk_jgen_array_open(g);
  for (const char *const *ns = rootless ? rootless_ns : root_ns; *ns; ns++) {
    hk_jgen_map_open(g);
    hk_jgen_key_str(g, "type", *ns);
    hk_jgen_map_close(g);
  }
  hk_jgen_array_close(g);
  hk_jgen_key_strv(g, "maskedPaths", masked_paths);
  hk_jgen_key_strv(g, "readonlyPaths", readonly_paths);
  hk_jgen_map_close(g);
}

int hk_spec_default_json(bool rootless, char **out, size_t *len, hk_error_t **err)
{
  hk_jgen g = hk_jgen_new("\t");

  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "ociVersion", HK_OCI_VERSION);
  write_process(g);
  hk_jgen_key(g, "root");
  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "path", "rootfs");
  hk_jgen_key_bool(g, "readonly", true);
  hk_jgen_map_close(g);
  hk_jgen_key_str(g, "hostname", "husk");
  write_mounts(g, rootless);
  write_linux(g, rootless);
  hk_jgen_map_close(g);
  return hk_jgen_finish(g, "default spec", out, len, err);
}
