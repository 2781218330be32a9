/* The features document of runtime-spec features.md and features-linux.md.
 * It only formats what the caller reports; `husk features` decides what is
 * true of this build.  NULL lists are left out (OPTIONAL in the spec). */
#include "config.h"

#include "libcontainer/utils.h"
#include "oci-specs/json.h"

static void opt_strv(hk_jgen g, const char *key, const char *const *v)
{
  if (v)
    hk_jgen_key_strv(g, key, v);
}

static void enabled_object(hk_jgen g, const char *key, bool enabled)
{
  hk_jgen_key(g, key);
  hk_jgen_map_open(g);
  hk_jgen_key_bool(g, "enabled", enabled);
  hk_jgen_map_close(g);
}

static void write_cgroup(hk_jgen g, const struct hk_features *f)
{
  hk_jgen_key(g, "cgroup");
  hk_jgen_map_open(g);
  hk_jgen_key_bool(g, "v1", f->cgroup_v1);
  hk_jgen_key_bool(g, "v2", f->cgroup_v2);
  hk_jgen_key_bool(g, "systemd", f->cgroup_systemd);
  hk_jgen_key_bool(g, "systemdUser", f->cgroup_systemd_user);
  hk_jgen_key_bool(g, "rdma", f->cgroup_rdma);
  hk_jgen_map_close(g);
}

static void write_seccomp(hk_jgen g, const struct hk_features *f)
{
  hk_jgen_key(g, "seccomp");
  hk_jgen_map_open(g);
  hk_jgen_key_bool(g, "enabled", f->seccomp_enabled);
  opt_strv(g, "actions", f->seccomp_actions);
  opt_strv(g, "operators", f->seccomp_operators);
  opt_strv(g, "archs", f->seccomp_archs);
  opt_strv(g, "knownFlags", f->seccomp_known_flags);
  opt_strv(g, "supportedFlags", f->seccomp_supported_flags);
  hk_jgen_map_close(g);
}

static void write_linux(hk_jgen g, const struct hk_features *f)
{
  hk_jgen_key(g, "linux");
  hk_jgen_map_open(g);
  opt_strv(g, "namespaces", f->namespaces);
  opt_strv(g, "capabilities", f->capabilities);
  write_cgroup(g, f);
  write_seccomp(g, f);
  enabled_object(g, "apparmor", f->apparmor_enabled);
  enabled_object(g, "selinux", f->selinux_enabled);
  enabled_object(g, "intelRdt", f->intel_rdt_enabled);
  hk_jgen_key(g, "mountExtensions");
  hk_jgen_map_open(g);
  enabled_object(g, "idmap", f->mount_extensions_idmap_enabled);
  hk_jgen_map_close(g);
  enabled_object(g, "netDevices", f->net_devices_enabled);
  if (f->memory_policy_enabled) {
    hk_jgen_key(g, "memoryPolicy");
    hk_jgen_map_open(g);
    opt_strv(g, "modes", f->memory_policy_modes);
    opt_strv(g, "flags", f->memory_policy_flags);
    hk_jgen_map_close(g);
  }
  hk_jgen_map_close(g);
}

int hk_features_to_json(const struct hk_features *f, char **out, size_t *len, hk_error_t **err)
{
  hk_jgen g = hk_jgen_new("    "); /* runc indents `features` with four spaces */

  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "ociVersionMin", f->oci_version_min);
  hk_jgen_key_str(g, "ociVersionMax", f->oci_version_max ? f->oci_version_max : HK_OCI_VERSION);
  opt_strv(g, "hooks", f->hooks);
  opt_strv(g, "mountOptions", f->mount_options);
  write_linux(g, f);
  if (f->annotations.len > 0)
    hk_jgen_key_kv(g, "annotations", &f->annotations);
  opt_strv(g, "potentiallyUnsafeConfigAnnotations", f->potentially_unsafe_config_annotations);
  hk_jgen_map_close(g);
  return hk_jgen_finish(g, "features", out, len, err);
}
