/* husk features: what this build really implements.  Keep it truthful; a
 * test compares it with behaviour. */
#include "config.h"

#include <stdio.h>

#include "husk.h"
#include "libcontainer/seccomp.h"
#include "libcontainer/overlay.h"
#include "libcontainer/utils.h"
#include "libcontainer/vm.h"
#include "oci-specs/spec.h"

static const char usage[] = "Usage: husk features\n"
                            "\n"
                            "Print the features document of runtime-spec " HK_OCI_VERSION
                            " (JSON).\n";

static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                         "time",   "user", "uts",   NULL};

static const char *const mount_options[] = {
    "async",      "atime",       "bind",     "dev",        "diratime",  "dirsync",
    "exec",       "loud",        "mand",     "noatime",    "nodev",     "nodiratime",
    "noexec",     "nomand",      "norelatime", "nostrictatime", "nosuid", "private",
    "rbind",      "relatime",    "remount",  "ro",         "rprivate",  "rshared",
    "rslave",     "runbindable", "rw",       "shared",     "silent",    "slave",
    "strictatime", "suid",       "sync",     "unbindable",
    "idmap",      "ridmap", /* idmapped bind mounts, see libcontainer/idmap.h */
    NULL};

static const char *const capabilities[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE", NULL};

static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                    "startContainer", "poststart",     "poststop",
                                    NULL};

static const char *const none[] = {NULL};

/* husk's own annotations change where the container writes on the host:
 * an engine should only pass them from users it trusts. */
static const char *const unsafe_annotations[] = {"run.husk.rootfs.", NULL};

int husk_cmd_features(struct husk_global *g, int argc, char **argv)
{
  struct hk_features f = {
      .oci_version_min = "1.0.0",
      .oci_version_max = HK_OCI_VERSION,
      .hooks = hooks,
      .mount_options = mount_options,
      .namespaces = namespaces,
      .capabilities = capabilities,
      /* Implemented (libcontainer/lsm.c).  As the spec says, this is not
       * about the host: there, a label for an LSM it lacks is an error. */
      .apparmor_enabled = true,
      .selinux_enabled = true,
      .memory_policy_modes = none,
      .memory_policy_flags = none,
      .net_devices_enabled = true,
      .mount_extensions_idmap_enabled = true,
      .potentially_unsafe_config_annotations = unsafe_annotations,
  };
  const char *overlay = hk_overlay_supported() ? "true" : "false";
  /* The micro-VM handler (libcontainer/vm.h), and why not when it cannot
   * run here. */
  _cleanup_free_ char *why = NULL, *vm = NULL;
  bool vm_ok = hk_vm_available(&why);
  struct hk_kv annotations[] = {
      {(char *)HK_ANNOTATION_LAYERS, (char *)overlay},
      {(char *)HK_ANNOTATION_OVERLAY, (char *)overlay},
      {(char *)"run.husk.vm", NULL},
      {(char *)HK_VM_ANNOTATION, (char *)"vm"},
  };
  hk_error_t *err = NULL;
  _cleanup_free_ char *json = NULL;
  size_t len;

  (void)g;
  hk_seccomp_features(&f);
  f.annotations.items = annotations;
  vm = vm_ok ? hk_xstrdup("available") : hk_xasprintf("unavailable: %s", why);
  annotations[2].value = vm;
  f.annotations.len = HK_ARRAY_SIZE(annotations) - (vm_ok ? 0 : 1);
  if (argc > 1) {
    if (argv[1][0] == '-' && (argv[1][1] == 'h' || argv[1][2] == 'h')) {
      fputs(usage, stdout);
      return 0;
    }
    return husk_usage_error("features", "unexpected argument \"%s\"", argv[1]);
  }
  if (hk_features_to_json(&f, &json, &len, &err) < 0)
    return husk_fail(err);
  husk_print(json, len); /* ends with a newline */
  return 0;
}
